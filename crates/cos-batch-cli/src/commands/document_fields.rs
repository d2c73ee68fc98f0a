//! The fields a CreateJobRequest document may have, and the check that a document a person
//! wrote has no other: an unknown field (a misspelt `ConfirmationRequired`, say) would be
//! dropped by the tolerant wire decoder and the job would run without what was meant.
//!
//! The known fields are not listed by hand: they are read off the encoding of complete
//! requests (every optional field set, one request per operation), so they follow the model.

use std::collections::{BTreeMap, BTreeSet};

use cos_batch_model::{
    CannedAcl, CreateJobRequest, DeleteObject, Directive, Grant, Grantee, GranteeType,
    InitiateRestoreObject, JobTier, Manifest, ManifestField, ManifestFormat, ManifestLocation,
    ManifestSpec, NewObjectMetadata, Operation, Permission, PutObjectCopy, PutObjectTagging,
    Report, ReportScope, SseAlgorithm, StorageClass, Tag, Timestamp, XmlDocument,
};
use quick_xml::events::Event;

/// The root of every path.
const ROOT: &str = "CreateJobRequest";

/// Known child names by parent path (`CreateJobRequest/Manifest` → `Location`, `Spec`).
type Schema = BTreeMap<String, BTreeSet<String>>;

/// One request per operation with every optional field set.
fn complete_requests() -> Vec<CreateJobRequest> {
    let mut location = ManifestLocation::new("arn", "etag");
    location.object_version_id = Some("v".into());
    let manifest = Manifest::new(
        location,
        ManifestSpec::new(
            ManifestFormat::CosBatchOperationsCsvV1,
            vec![ManifestField::Key],
        ),
    );
    let mut grantee = Grantee::new("id", GranteeType::Id);
    grantee.display_name = Some("name".into());
    let mut metadata = NewObjectMetadata::default();
    metadata.cache_control = Some("c".into());
    metadata.content_disposition = Some("c".into());
    metadata.content_encoding = Some("c".into());
    metadata.content_type = Some("c".into());
    metadata.http_expires_date = Some("c".into());
    metadata.sse_algorithm = Some(SseAlgorithm::Aes256);
    metadata.user_metadata = vec![Tag::new("k", "v")];
    let when = Timestamp::epoch_seconds(0).ok();
    let mut copy = PutObjectCopy::new("target");
    copy.access_control_directive = Some(Directive::Copy);
    copy.access_control_grants = vec![Grant::new(grantee, Permission::Read)];
    copy.prefix_replace = Some(true);
    copy.resources_prefix = Some("p".into());
    copy.target_key_prefix = Some("p".into());
    copy.canned_access_control_list = Some(CannedAcl::Private);
    copy.metadata_directive = Some(Directive::Copy);
    copy.modified_since_constraint = when.clone();
    copy.un_modified_since_constraint = when;
    copy.new_object_metadata = Some(metadata);
    copy.tagging_directive = Some(Directive::Copy);
    copy.new_object_tagging = vec![Tag::new("k", "v")];
    copy.storage_class = Some(StorageClass::Standard);
    let mut tagging = PutObjectTagging::new(vec![Tag::new("k", "v")]);
    tagging.tagging_directive = Some(Directive::Add);
    let operations = [
        Operation::PutObjectCopy(copy),
        Operation::InitiateRestoreObject(InitiateRestoreObject::new(1, JobTier::Bulk)),
        Operation::PutObjectTagging(tagging),
        Operation::DeleteObject(DeleteObject::new()),
    ];
    operations
        .into_iter()
        .map(|operation| {
            let report = Report::new("b", true, ReportScope::AllTasks).with_prefix("p");
            let mut r = CreateJobRequest::new("t", manifest.clone(), operation, 1, report, "r");
            r.confirmation_required = Some(true);
            r.description = Some("d".into());
            r
        })
        .collect()
}

/// The XML schema: every element path of the complete requests' encodings.
fn xml_schema() -> Schema {
    let mut schema = Schema::new();
    for request in complete_requests() {
        let xml = request.to_xml();
        walk_xml(xml.as_bytes(), |parent, name| {
            schema
                .entry(parent.to_owned())
                .or_default()
                .insert(name.to_owned());
        });
    }
    schema
}

/// The JSON schema: every object key path of the complete requests' serde encodings (the
/// items of an array sit at the array's path).
fn json_schema() -> Schema {
    let mut schema = Schema::new();
    for request in complete_requests() {
        if let Ok(value) = serde_json::to_value(&request) {
            walk_json(&value, ROOT, &mut |parent, name| {
                schema
                    .entry(parent.to_owned())
                    .or_default()
                    .insert(name.to_owned());
            });
        }
    }
    schema
}

/// Calls `f(parent path, child name)` for every element under the root; stops quietly at
/// the first syntax error (the decoder reports it) or when the root is not `CreateJobRequest`.
fn walk_xml(bytes: &[u8], mut f: impl FnMut(&str, &str)) {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut path: Vec<String> = Vec::new();
    loop {
        let (name, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e.name().as_ref().to_owned(), false),
            Ok(Event::Empty(e)) => (e.name().as_ref().to_owned(), true),
            Ok(Event::End(_)) => {
                path.pop();
                continue;
            }
            Ok(Event::Eof) | Err(_) => return,
            Ok(_) => continue,
        };
        if path.is_empty() {
            if name != ROOT {
                return;
            }
        } else {
            f(&path.join("/"), &name);
        }
        if !empty {
            path.push(name);
        }
    }
}

fn walk_json(value: &serde_json::Value, path: &str, f: &mut impl FnMut(&str, &str)) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                f(path, key);
                walk_json(child, &format!("{path}/{key}"), f);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                walk_json(item, path, f);
            }
        }
        _ => {}
    }
}

/// The known name nearest to `name`, if one is near enough to be a likely misspelling or a
/// shortening (`Tier` for `JobTier`).
fn nearest<'a>(name: &str, known: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let score = |k: &str| {
        let k = k.to_ascii_lowercase();
        let similar = strsim::jaro_winkler(&lower, &k);
        let part = lower.len() >= 3 && (k.contains(&lower) || lower.contains(&k));
        if part { similar.max(0.85) } else { similar }
    };
    known
        .map(|k| (score(k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.as_str())
}

/// The message for the unknown field `name` under `parent`.
fn unknown(schema: &Schema, parent: &str, name: &str) -> String {
    let known = schema.get(parent);
    let mut message = format!("{parent}/{name}: unknown field");
    match known.and_then(|k| nearest(name, k.iter())) {
        Some(near) => message.push_str(&format!("; did you mean {near}?")),
        None => match known {
            Some(k) => {
                let names: Vec<&str> = k.iter().map(String::as_str).collect();
                message.push_str(&format!("; known here: {}", names.join(", ")));
            }
            None => message.push_str(&format!("; {parent} has no fields")),
        },
    }
    message
}

fn check(schema: &Schema, found: Vec<(String, String)>) -> Result<(), String> {
    let errors: Vec<String> = found
        .iter()
        .filter(|(parent, name)| !schema.get(parent).is_some_and(|k| k.contains(name)))
        .map(|(parent, name)| unknown(schema, parent, name))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// Refuses an XML CreateJobRequest with elements the API does not have, naming each with its
/// path and the nearest known name.
pub fn check_xml(bytes: &[u8]) -> Result<(), String> {
    let mut found = Vec::new();
    walk_xml(bytes, |parent, name| {
        found.push((parent.to_owned(), name.to_owned()));
    });
    check(&xml_schema(), found)
}

/// Refuses a JSON CreateJobRequest with fields the API does not have (same messages as
/// [`check_xml`]; an unparsable document is left to the decoder).
pub fn check_json(bytes: &[u8]) -> Result<(), String> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    let mut found = Vec::new();
    walk_json(&value, ROOT, &mut |parent, name| {
        found.push((parent.to_owned(), name.to_owned()));
    });
    check(&json_schema(), found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<CreateJobRequest><ClientRequestToken>t</ClientRequestToken>\
        <ConfirmRequired>true</ConfirmRequired><Manifest><Location><ETag>e</ETag>\
        <ObjectArn>a</ObjectArn></Location><Spec><Fields><member>Bucket</member></Fields>\
        <Format>COSBatchOperations_CSV_V1</Format></Spec></Manifest><Operation><COSDeleteObject/>\
        </Operation><Priority>1</Priority><Report><Enabled>false</Enabled><Bukcet>b</Bukcet>\
        </Report><RoleArn>r</RoleArn></CreateJobRequest>";

    #[test]
    fn unknown_xml_elements_name_their_path_and_the_nearest_known_name() {
        let e = check_xml(XML.as_bytes()).unwrap_err();
        assert_eq!(
            e,
            "CreateJobRequest/ConfirmRequired: unknown field; did you mean ConfirmationRequired?\n\
             CreateJobRequest/Report/Bukcet: unknown field; did you mean Bucket?"
        );
        let fixed = XML
            .replace("ConfirmRequired", "ConfirmationRequired")
            .replace("Bukcet", "Bucket");
        check_xml(fixed.as_bytes()).unwrap();
        let e = check_xml(b"<CreateJobRequest><Priority><x/></Priority></CreateJobRequest>")
            .unwrap_err();
        assert_eq!(
            e,
            "CreateJobRequest/Priority/x: unknown field; CreateJobRequest/Priority has no fields"
        );
    }

    #[test]
    fn every_field_of_every_operation_is_known() {
        for request in complete_requests() {
            check_xml(request.to_xml().as_bytes()).unwrap();
            check_json(&serde_json::to_vec(&request).unwrap()).unwrap();
        }
    }

    #[test]
    fn unknown_json_fields_are_refused_too() {
        let request = &complete_requests()[1];
        let mut doc = serde_json::to_value(request).unwrap();
        doc["ConfirmRequired"] = true.into();
        doc["Operation"]["COSInitiateRestoreObject"]["Tier"] = "Bulk".into();
        let e = check_json(doc.to_string().as_bytes()).unwrap_err();
        assert!(
            e.contains("CreateJobRequest/ConfirmRequired: unknown field; did you mean ConfirmationRequired?"),
            "{e}"
        );
        assert!(
            e.contains("CreateJobRequest/Operation/COSInitiateRestoreObject/Tier: unknown field; did you mean JobTier?"),
            "{e}"
        );
    }
}
