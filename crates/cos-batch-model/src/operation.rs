//! `Operation`: exactly one of the four batch operations, and their parts.

use crate::enums::{
    CannedAcl, Directive, GranteeType, JobTier, OperationName, Permission, SseAlgorithm,
    StorageClass,
};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::timestamp::Timestamp;
use crate::validate::Validator;
use crate::xml::reader::{self, Mode, XmlReader};
use crate::xml::writer::XmlWriter;

/// `Operation`: the one operation a job performs on every object of its manifest.
///
/// Being an enum, "exactly one operation" is a fact of the type. Decoding a request rejects an
/// `<Operation>` with none, two, or an unknown operation element; decoding a response ignores
/// unknown operation elements (see [`Job::operation`](crate::Job::operation)).
// One operation per job: not stored in bulk, so no boxing for the large copy variant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Operation {
    /// `COSPutObjectCopy`: copy each object.
    #[cfg_attr(feature = "serde", serde(rename = "COSPutObjectCopy"))]
    PutObjectCopy(PutObjectCopy),
    /// `COSInitiateRestoreObject`: restore each archived object.
    #[cfg_attr(feature = "serde", serde(rename = "COSInitiateRestoreObject"))]
    InitiateRestoreObject(InitiateRestoreObject),
    /// `COSPutObjectTagging`: set each object's tags.
    #[cfg_attr(feature = "serde", serde(rename = "COSPutObjectTagging"))]
    PutObjectTagging(PutObjectTagging),
    /// `COSDeleteObject`: delete each object.
    #[cfg_attr(feature = "serde", serde(rename = "COSDeleteObject"))]
    DeleteObject(DeleteObject),
}

impl Operation {
    /// The operation's element name as an [`OperationName`], e.g. `COSPutObjectCopy`.
    pub fn name(&self) -> OperationName {
        match self {
            Self::PutObjectCopy(_) => OperationName::PutObjectCopy,
            Self::InitiateRestoreObject(_) => OperationName::InitiateRestoreObject,
            Self::PutObjectTagging(_) => OperationName::PutObjectTagging,
            Self::DeleteObject(_) => OperationName::DeleteObject,
        }
    }

    /// Decodes the content of `<Operation>`: `None` only in lenient mode when no known
    /// operation is present.
    pub(crate) fn decode(r: &mut XmlReader<'_>) -> Result<Option<Self>, DecodeError> {
        let mut op: Option<Self> = None;
        r.each_child(|r, name| {
            let known = matches!(
                name,
                "COSPutObjectCopy"
                    | "COSInitiateRestoreObject"
                    | "COSPutObjectTagging"
                    | "COSDeleteObject"
            );
            if !known {
                return match r.mode() {
                    Mode::Strict => Err(r.error(DecodeErrorKind::UnknownOperation)),
                    Mode::Lenient => Ok(()),
                };
            }
            if op.is_some() {
                return Err(r.error(DecodeErrorKind::SecondOperation));
            }
            let decoded = match name {
                "COSPutObjectCopy" => Self::PutObjectCopy(PutObjectCopy::decode(r)?),
                "COSInitiateRestoreObject" => {
                    Self::InitiateRestoreObject(InitiateRestoreObject::decode(r)?)
                }
                "COSPutObjectTagging" => Self::PutObjectTagging(PutObjectTagging::decode(r)?),
                _ => {
                    r.each_child(|_, _| Ok(()))?;
                    Self::DeleteObject(DeleteObject {})
                }
            };
            r.pop();
            op = Some(decoded);
            Ok(())
        })?;
        if op.is_none() && r.mode() == Mode::Strict {
            return Err(r.error(DecodeErrorKind::MissingOperation));
        }
        Ok(op)
    }

    pub(crate) fn encode(&self, w: &mut XmlWriter) {
        w.element("Operation", |w| match self {
            Self::PutObjectCopy(c) => c.encode(w),
            Self::InitiateRestoreObject(o) => w.element("COSInitiateRestoreObject", |w| {
                w.number("ExpirationInDays", u64::from(o.expiration_in_days));
                w.text("JobTier", o.job_tier.as_str());
            }),
            Self::PutObjectTagging(t) => w.element("COSPutObjectTagging", |w| {
                if let Some(d) = &t.tagging_directive {
                    w.text("TaggingDirective", d.as_str());
                }
                if !t.tag_set.is_empty() {
                    w.element("TagSet", |w| encode_tags(w, "COSTag", &t.tag_set));
                }
            }),
            Self::DeleteObject(_) => w.empty("COSDeleteObject"),
        });
    }

    pub(crate) fn known_values_into(&self, v: &mut Validator) {
        const DIRECTIVE: &str = "Copy, Replaced or Add";
        let directive = |v: &mut Validator, name: &str, d: &Option<Directive>| {
            if let Some(d) = d {
                v.known(name, d, Directive::KNOWN, DIRECTIVE);
            }
        };
        v.nested("Operation", |v| match self {
            Self::PutObjectCopy(c) => v.nested("COSPutObjectCopy", |v| {
                directive(v, "AccessControlDirective", &c.access_control_directive);
                v.nested("AccessControlGrants", |v| {
                    for g in &c.access_control_grants {
                        v.nested("COSGrant", |v| {
                            v.nested("Grantee", |v| {
                                let ty = &g.grantee.type_identifier;
                                v.known("TypeIdentifier", ty, GranteeType::KNOWN, "ID");
                            });
                            let p = &g.permission;
                            v.known(
                                "Permission",
                                p,
                                Permission::KNOWN,
                                "READ, WRITE or FULL_CONTROL",
                            );
                        });
                    }
                });
                if let Some(acl) = &c.canned_access_control_list {
                    v.known(
                        "CannedAccessControlList",
                        acl,
                        CannedAcl::KNOWN,
                        "private or public-read",
                    );
                }
                directive(v, "MetadataDirective", &c.metadata_directive);
                if let Some(sse) = c
                    .new_object_metadata
                    .as_ref()
                    .and_then(|m| m.sse_algorithm.as_ref())
                {
                    v.nested("NewObjectMetadata", |v| {
                        v.known("SSEAlgorithm", sse, SseAlgorithm::KNOWN, "AES256");
                    });
                }
                directive(v, "TaggingDirective", &c.tagging_directive);
                if let Some(class) = &c.storage_class {
                    v.known(
                        "StorageClass",
                        class,
                        StorageClass::KNOWN,
                        "a COS storage class such as STANDARD",
                    );
                }
            }),
            Self::InitiateRestoreObject(o) => v.nested("COSInitiateRestoreObject", |v| {
                v.known("JobTier", &o.job_tier, JobTier::KNOWN, "Bulk or Standard");
            }),
            Self::PutObjectTagging(t) => v.nested("COSPutObjectTagging", |v| {
                directive(v, "TaggingDirective", &t.tagging_directive);
            }),
            Self::DeleteObject(_) => {}
        });
    }

    pub(crate) fn validate_into(&self, v: &mut Validator) {
        v.nested("Operation", |v| match self {
            Self::PutObjectCopy(c) => v.nested("COSPutObjectCopy", |v| c.validate_into(v)),
            Self::InitiateRestoreObject(o) => v.nested("COSInitiateRestoreObject", |v| {
                v.range(
                    "ExpirationInDays",
                    i64::from(o.expiration_in_days),
                    i64::from(MIN_EXPIRATION_DAYS),
                    i64::from(MAX_EXPIRATION_DAYS),
                );
                v.non_empty("JobTier", o.job_tier.as_str());
            }),
            Self::PutObjectTagging(t) => v.nested("COSPutObjectTagging", |v| {
                v.nested("TagSet", |v| validate_tags(v, "COSTag", &t.tag_set));
            }),
            Self::DeleteObject(_) => {}
        });
    }
}

/// Smallest `ExpirationInDays`.
pub const MIN_EXPIRATION_DAYS: u32 = 1;
/// Largest `ExpirationInDays`.
pub const MAX_EXPIRATION_DAYS: u32 = 365;

/// `COSPutObjectCopy`: copy each object to `TargetResource`. All but `TargetResource` are optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct PutObjectCopy {
    /// `AccessControlDirective`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub access_control_directive: Option<Directive>,
    /// `AccessControlGrants>COSGrant*` (encoded only when not empty).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub access_control_grants: Vec<Grant>,
    /// `PrefixReplace`: whether to rewrite key prefixes (default false).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub prefix_replace: Option<bool>,
    /// `ResourcesPrefix`: the source key prefix to replace, 0–1024 bytes.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub resources_prefix: Option<String>,
    /// `TargetKeyPrefix`: the prefix put in its place, 0–1024 bytes.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub target_key_prefix: Option<String>,
    /// `CannedAccessControlList`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub canned_access_control_list: Option<CannedAcl>,
    /// `MetadataDirective`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub metadata_directive: Option<Directive>,
    /// `ModifiedSinceConstraint`: copy only objects modified since. Always encoded as epoch
    /// seconds (the Go SDK's `int64`), whatever the timestamp was built from; decoded from epoch
    /// seconds or ISO 8601.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub modified_since_constraint: Option<Timestamp>,
    /// `UnModifiedSinceConstraint`: copy only objects not modified since. Always encoded as
    /// epoch seconds, whatever the timestamp was built from; decoded from either form.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub un_modified_since_constraint: Option<Timestamp>,
    /// `NewObjectMetadata`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub new_object_metadata: Option<NewObjectMetadata>,
    /// `TaggingDirective`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub tagging_directive: Option<Directive>,
    /// `NewObjectTagging>COSTag*` (encoded only when not empty).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub new_object_tagging: Vec<Tag>,
    /// `StorageClass`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub storage_class: Option<StorageClass>,
    /// `TargetResource`: ARN of the destination bucket (required).
    pub target_resource: String,
}

impl PutObjectCopy {
    /// A copy into the bucket `target_resource` (an ARN), with nothing else set.
    pub fn new(target_resource: impl Into<String>) -> Self {
        Self {
            target_resource: target_resource.into(),
            ..Self::default()
        }
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let mut c = Self::default();
        let (mut grants, mut tagging, mut target) = (None, None, None);
        r.each_child(|r, name| match name {
            "AccessControlDirective" => directive(r, &mut c.access_control_directive),
            "AccessControlGrants" => r.list(&mut grants, "COSGrant", Grant::decode),
            "PrefixReplace" => r.value(&mut c.prefix_replace, reader::BOOL, reader::parse_bool),
            "ResourcesPrefix" => r.string(&mut c.resources_prefix),
            "TargetKeyPrefix" => r.string(&mut c.target_key_prefix),
            "CannedAccessControlList" => {
                r.value(&mut c.canned_access_control_list, "a canned ACL", |s| {
                    Some(CannedAcl::from(s))
                })
            }
            "MetadataDirective" => directive(r, &mut c.metadata_directive),
            "ModifiedSinceConstraint" => timestamp(r, &mut c.modified_since_constraint),
            "UnModifiedSinceConstraint" => timestamp(r, &mut c.un_modified_since_constraint),
            "NewObjectMetadata" => r.nested(&mut c.new_object_metadata, NewObjectMetadata::decode),
            "TaggingDirective" => directive(r, &mut c.tagging_directive),
            "NewObjectTagging" => r.list(&mut tagging, "COSTag", Tag::decode),
            "StorageClass" => r.value(&mut c.storage_class, "a storage class", |s| {
                Some(StorageClass::from(s))
            }),
            "TargetResource" => r.string(&mut target),
            _ => Ok(()),
        })?;
        c.access_control_grants = grants.unwrap_or_default();
        c.new_object_tagging = tagging.unwrap_or_default();
        c.target_resource = r.required(target, "TargetResource")?;
        Ok(c)
    }

    fn encode(&self, w: &mut XmlWriter) {
        w.element("COSPutObjectCopy", |w| {
            if let Some(d) = &self.access_control_directive {
                w.text("AccessControlDirective", d.as_str());
            }
            if !self.access_control_grants.is_empty() {
                w.element("AccessControlGrants", |w| {
                    for g in &self.access_control_grants {
                        g.encode(w);
                    }
                });
            }
            w.opt_bool("PrefixReplace", self.prefix_replace);
            w.opt_text("ResourcesPrefix", self.resources_prefix.as_deref());
            w.opt_text("TargetKeyPrefix", self.target_key_prefix.as_deref());
            if let Some(a) = &self.canned_access_control_list {
                w.text("CannedAccessControlList", a.as_str());
            }
            if let Some(d) = &self.metadata_directive {
                w.text("MetadataDirective", d.as_str());
            }
            // Epoch seconds whatever the timestamp was built from: the Go SDK reads them as int64.
            w.opt_epoch_seconds(
                "ModifiedSinceConstraint",
                self.modified_since_constraint.as_ref(),
            );
            w.opt_epoch_seconds(
                "UnModifiedSinceConstraint",
                self.un_modified_since_constraint.as_ref(),
            );
            if let Some(m) = &self.new_object_metadata {
                m.encode(w);
            }
            if let Some(d) = &self.tagging_directive {
                w.text("TaggingDirective", d.as_str());
            }
            if !self.new_object_tagging.is_empty() {
                w.element("NewObjectTagging", |w| {
                    encode_tags(w, "COSTag", &self.new_object_tagging);
                });
            }
            if let Some(s) = &self.storage_class {
                w.text("StorageClass", s.as_str());
            }
            w.text("TargetResource", &self.target_resource);
        });
    }

    fn validate_into(&self, v: &mut Validator) {
        v.nested("AccessControlGrants", |v| {
            for g in &self.access_control_grants {
                v.nested("COSGrant", |v| {
                    v.nested("Grantee", |v| {
                        v.non_empty("Identifier", &g.grantee.identifier);
                        v.non_empty("TypeIdentifier", g.grantee.type_identifier.as_str());
                    });
                    v.non_empty("Permission", g.permission.as_str());
                });
            }
        });
        v.opt_length("ResourcesPrefix", self.resources_prefix.as_deref(), 0, 1024);
        v.opt_length(
            "TargetKeyPrefix",
            self.target_key_prefix.as_deref(),
            0,
            1024,
        );
        if let Some(m) = &self.new_object_metadata {
            v.nested("NewObjectMetadata", |v| {
                v.nested("UserMetadata", |v| {
                    for e in &m.user_metadata {
                        v.nested("member", |v| v.non_empty("Key", &e.key));
                    }
                });
            });
        }
        v.nested("NewObjectTagging", |v| {
            validate_tags(v, "COSTag", &self.new_object_tagging);
        });
        v.length("TargetResource", &self.target_resource, 1, 1024);
    }
}

fn directive(r: &mut XmlReader<'_>, slot: &mut Option<Directive>) -> Result<(), DecodeError> {
    r.value(slot, "Copy, Replaced or Add", |s| Some(Directive::from(s)))
}

fn timestamp(r: &mut XmlReader<'_>, slot: &mut Option<Timestamp>) -> Result<(), DecodeError> {
    r.value(slot, reader::TIMESTAMP, |s| Timestamp::parse(s).ok())
}

fn encode_tags(w: &mut XmlWriter, item: &str, tags: &[Tag]) {
    for t in tags {
        w.element(item, |w| {
            w.text("Key", &t.key);
            w.text("Value", &t.value);
        });
    }
}

fn validate_tags(v: &mut Validator, item: &str, tags: &[Tag]) {
    for t in tags {
        v.nested(item, |v| v.non_empty("Key", &t.key));
    }
}

/// `COSGrant`: one access grant of a copied object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct Grant {
    /// `Grantee`.
    pub grantee: Grantee,
    /// `Permission`.
    pub permission: Permission,
}

impl Grant {
    /// Grants `permission` to `grantee`.
    pub fn new(grantee: Grantee, permission: Permission) -> Self {
        Self {
            grantee,
            permission,
        }
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut grantee, mut permission) = (None, None);
        r.each_child(|r, name| match name {
            "Grantee" => r.nested(&mut grantee, Grantee::decode),
            "Permission" => r.value(&mut permission, "READ, WRITE or FULL_CONTROL", |s| {
                Some(Permission::from(s))
            }),
            _ => Ok(()),
        })?;
        Ok(Self {
            grantee: r
                .required(grantee.map(Some), "Grantee")?
                .unwrap_or_else(|| Grantee::new("", GranteeType::Other(String::new()))),
            permission: r
                .required(permission.map(Some), "Permission")?
                .unwrap_or_else(|| Permission::Other(String::new())),
        })
    }

    fn encode(&self, w: &mut XmlWriter) {
        w.element("COSGrant", |w| {
            w.element("Grantee", |w| {
                w.opt_text("DisplayName", self.grantee.display_name.as_deref());
                w.text("Identifier", &self.grantee.identifier);
                w.text("TypeIdentifier", self.grantee.type_identifier.as_str());
            });
            w.text("Permission", self.permission.as_str());
        });
    }
}

/// `Grantee`: who a grant is for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct Grantee {
    /// `DisplayName`, optional.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub display_name: Option<String>,
    /// `Identifier`, e.g. a CAM account id.
    pub identifier: String,
    /// `TypeIdentifier`.
    pub type_identifier: GranteeType,
}

impl Grantee {
    /// The grantee `identifier` of type `type_identifier`.
    pub fn new(identifier: impl Into<String>, type_identifier: GranteeType) -> Self {
        Self {
            display_name: None,
            identifier: identifier.into(),
            type_identifier,
        }
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut display, mut id, mut ty) = (None, None, None);
        r.each_child(|r, name| match name {
            "DisplayName" => r.string(&mut display),
            "Identifier" => r.string(&mut id),
            "TypeIdentifier" => r.value(&mut ty, "a grantee type", |s| Some(GranteeType::from(s))),
            _ => Ok(()),
        })?;
        Ok(Self {
            display_name: display,
            identifier: r.required(id, "Identifier")?,
            type_identifier: r
                .required(ty.map(Some), "TypeIdentifier")?
                .unwrap_or_else(|| GranteeType::Other(String::new())),
        })
    }
}

/// A `Key`/`Value` pair: a `COSTag`, or a `UserMetadata>member`.
///
/// A missing `Value` is the empty string (the Go SDK omits an empty one, `omitempty`); the
/// empty string is encoded as `<Value></Value>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct Tag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
}

impl Tag {
    /// The pair `key` = `value`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut key, mut value) = (None, None);
        r.each_child(|r, name| match name {
            "Key" => r.string(&mut key),
            "Value" => r.string(&mut value),
            _ => Ok(()),
        })?;
        Ok(Self {
            key: r.required(key, "Key")?,
            value: value.unwrap_or_default(),
        })
    }
}

/// `NewObjectMetadata`: metadata of the copies. All optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct NewObjectMetadata {
    /// `CacheControl`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub cache_control: Option<String>,
    /// `ContentDisposition`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub content_disposition: Option<String>,
    /// `ContentEncoding`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub content_encoding: Option<String>,
    /// `ContentType`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub content_type: Option<String>,
    /// `HttpExpiresDate`: the `Expires` header of the copies, kept as sent. Any text the
    /// Go SDK sends (a `string` there) is accepted: RFC 1123 (`Thu, 19 Dec 2019 18:00:30 GMT`),
    /// ISO 8601 or epoch seconds.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub http_expires_date: Option<String>,
    /// `SSEAlgorithm`.
    #[cfg_attr(
        feature = "serde",
        serde(
            rename = "SSEAlgorithm",
            default,
            skip_serializing_if = "Option::is_none"
        )
    )]
    pub sse_algorithm: Option<SseAlgorithm>,
    /// `UserMetadata>member*{Key, Value}` (encoded only when not empty).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub user_metadata: Vec<Tag>,
}

impl NewObjectMetadata {
    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut user = None;
        r.each_child(|r, name| match name {
            "CacheControl" => r.string(&mut m.cache_control),
            "ContentDisposition" => r.string(&mut m.content_disposition),
            "ContentEncoding" => r.string(&mut m.content_encoding),
            "ContentType" => r.string(&mut m.content_type),
            "HttpExpiresDate" => r.string(&mut m.http_expires_date),
            "SSEAlgorithm" => r.value(&mut m.sse_algorithm, "an SSE algorithm", |s| {
                Some(SseAlgorithm::from(s))
            }),
            "UserMetadata" => r.list(&mut user, "member", Tag::decode),
            _ => Ok(()),
        })?;
        m.user_metadata = user.unwrap_or_default();
        Ok(m)
    }

    fn encode(&self, w: &mut XmlWriter) {
        w.element("NewObjectMetadata", |w| {
            w.opt_text("CacheControl", self.cache_control.as_deref());
            w.opt_text("ContentDisposition", self.content_disposition.as_deref());
            w.opt_text("ContentEncoding", self.content_encoding.as_deref());
            w.opt_text("ContentType", self.content_type.as_deref());
            w.opt_text("HttpExpiresDate", self.http_expires_date.as_deref());
            if let Some(a) = &self.sse_algorithm {
                w.text("SSEAlgorithm", a.as_str());
            }
            if !self.user_metadata.is_empty() {
                w.element("UserMetadata", |w| {
                    encode_tags(w, "member", &self.user_metadata);
                });
            }
        });
    }
}

/// `COSInitiateRestoreObject`: restore archived objects for `ExpirationInDays` days.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct InitiateRestoreObject {
    /// `ExpirationInDays`, 1–365.
    pub expiration_in_days: u32,
    /// `JobTier`.
    pub job_tier: JobTier,
}

impl InitiateRestoreObject {
    /// Restore for `expiration_in_days` days at `job_tier`.
    pub fn new(expiration_in_days: u32, job_tier: JobTier) -> Self {
        Self {
            expiration_in_days,
            job_tier,
        }
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut days, mut tier) = (None, None);
        r.each_child(|r, name| match name {
            "ExpirationInDays" => r.value(&mut days, "an integer in 1..=365", |s| {
                s.parse::<u32>()
                    .ok()
                    .filter(|d| (MIN_EXPIRATION_DAYS..=MAX_EXPIRATION_DAYS).contains(d))
            }),
            "JobTier" => r.value(&mut tier, "Bulk or Standard", |s| Some(JobTier::from(s))),
            _ => Ok(()),
        })?;
        Ok(Self {
            expiration_in_days: r.required(days, "ExpirationInDays")?,
            job_tier: r
                .required(tier.map(Some), "JobTier")?
                .unwrap_or_else(|| JobTier::Other(String::new())),
        })
    }
}

/// `COSPutObjectTagging`: set the tags of each object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "PascalCase"))]
#[non_exhaustive]
pub struct PutObjectTagging {
    /// `TaggingDirective`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub tagging_directive: Option<Directive>,
    /// `TagSet>COSTag*` (encoded only when not empty).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub tag_set: Vec<Tag>,
}

impl PutObjectTagging {
    /// Set the tags `tag_set`.
    pub fn new(tag_set: Vec<Tag>) -> Self {
        Self {
            tagging_directive: None,
            tag_set,
        }
    }

    fn decode(r: &mut XmlReader<'_>) -> Result<Self, DecodeError> {
        let (mut directive_slot, mut tags) = (None, None);
        r.each_child(|r, name| match name {
            "TaggingDirective" => directive(r, &mut directive_slot),
            "TagSet" => r.list(&mut tags, "COSTag", Tag::decode),
            _ => Ok(()),
        })?;
        Ok(Self {
            tagging_directive: directive_slot,
            tag_set: tags.unwrap_or_default(),
        })
    }
}

/// `COSDeleteObject`: an empty element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct DeleteObject {}

impl DeleteObject {
    /// The delete operation.
    pub fn new() -> Self {
        Self {}
    }
}
