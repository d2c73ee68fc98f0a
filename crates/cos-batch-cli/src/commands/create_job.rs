//! The CreateJobRequest of `create-job`: read from a file (XML or JSON) or built from flags.

use std::io::Read as _;
use std::path::Path;

use cos_batch_model::{
    CreateJobRequest, DeleteObject, InitiateRestoreObject, JobTier, Manifest, ManifestField,
    ManifestFormat, ManifestLocation, ManifestSpec, Operation, PutObjectCopy, PutObjectTagging,
    Report, ReportScope, StorageClass, Tag, XmlDocument,
};

use crate::cli::{CreateJobArgs, JobArgs, OperationKind, ReportScopeArg};
use crate::commands::document_fields;
use crate::failure::Failure;

/// The request `create-job` sends (the token may still be `None`: the client fills it).
/// `uploaded` is the (ARN, ETag) of the `--manifest-file` just uploaded, if any.
pub fn request(
    args: &CreateJobArgs,
    uin: Option<&str>,
    uploaded: Option<(String, String)>,
) -> Result<CreateJobRequest, Failure> {
    let mut request = match &args.file {
        Some(path) => from_file(path)?,
        None => {
            let manifest = manifest_from_flags(args, uploaded)?;
            from_flags(&args.job, manifest, uin)?
        }
    };
    if let Some(token) = &args.client_request_token {
        request.client_request_token = Some(token.clone());
    }
    Ok(request)
}

/// A CreateJobRequest document: XML (as on the wire) or JSON (same field names).
pub fn from_file(path: &Path) -> Result<CreateJobRequest, Failure> {
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure::local(format!("cannot read {}: {e}", path.display())))?;
    parse_document(&bytes).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}

/// XML when the first non-blank byte is `<`, JSON otherwise. Strict, as for a document a
/// person wrote: an unknown element or field is refused with its path and the nearest known
/// name (wire decoding elsewhere stays tolerant).
pub fn parse_document(bytes: &[u8]) -> Result<CreateJobRequest, String> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    match first {
        Some(b'<') => {
            // Unknown names first: a misspelt required element is better named as such than
            // reported missing.
            document_fields::check_xml(bytes)?;
            CreateJobRequest::from_xml(bytes)
                .map_err(|e| format!("not a CreateJobRequest XML document: {e}"))
        }
        Some(b'{') => {
            document_fields::check_json(bytes)?;
            serde_json::from_slice(bytes)
                .map_err(|e| format!("not a CreateJobRequest JSON document: {e}"))
        }
        _ => Err("expected a CreateJobRequest as XML or JSON".to_owned()),
    }
}

/// The `Manifest` element of `create-job`'s flags (the uploaded file's ARN and ETag when
/// there is one).
fn manifest_from_flags(
    args: &CreateJobArgs,
    uploaded: Option<(String, String)>,
) -> Result<Manifest, Failure> {
    let missing = |flag: &str| Failure::usage(format!("create-job needs {flag} (or --file)"));
    let (arn, etag) = match uploaded {
        Some(pair) => pair,
        None => (
            args.manifest_arn
                .clone()
                .ok_or_else(|| missing("--manifest-arn"))?,
            args.manifest_etag
                .clone()
                .ok_or_else(|| missing("--manifest-etag"))?,
        ),
    };
    let fields = args
        .manifest_fields
        .iter()
        .map(|f| match ManifestField::from(f.trim()) {
            ManifestField::Other(_) => Err(Failure::usage(format!(
                "--manifest-fields: `{f}` is not one of {}",
                ManifestField::KNOWN.join(", ")
            ))),
            known => Ok(known),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Manifest::new(
        ManifestLocation::new(arn, etag),
        ManifestSpec::new(ManifestFormat::from(args.manifest_format.as_str()), fields),
    ))
}

/// The request of a job over `manifest` with the operation and settings of `args` (the token
/// left to the client).
pub fn from_flags(
    args: &JobArgs,
    manifest: Manifest,
    uin: Option<&str>,
) -> Result<CreateJobRequest, Failure> {
    let missing = |flag: &str| Failure::usage(format!("a job needs {flag}"));
    let kind = args.operation.ok_or_else(|| missing("--operation"))?;
    let tags: Vec<Tag> = args.tags.iter().map(|(k, v)| Tag::new(k, v)).collect();
    let operation = match kind {
        OperationKind::Copy => {
            let target = args
                .target_bucket
                .clone()
                .ok_or_else(|| missing("--target-bucket"))?;
            let mut copy = PutObjectCopy::new(target);
            if args.resources_prefix.is_some() || args.target_key_prefix.is_some() {
                copy.prefix_replace = Some(true);
                copy.resources_prefix = args.resources_prefix.clone();
                copy.target_key_prefix = args.target_key_prefix.clone();
            }
            copy.storage_class = args.storage_class.as_deref().map(StorageClass::from);
            copy.new_object_tagging = tags;
            Operation::PutObjectCopy(copy)
        }
        OperationKind::Restore => {
            let days = args
                .expiration_days
                .ok_or_else(|| missing("--expiration-days"))?;
            Operation::InitiateRestoreObject(InitiateRestoreObject::new(
                days,
                JobTier::from(args.job_tier.as_str()),
            ))
        }
        OperationKind::Tagging => Operation::PutObjectTagging(PutObjectTagging::new(tags)),
        OperationKind::Delete => Operation::DeleteObject(DeleteObject::new()),
    };
    let scope = match args.report_scope {
        ReportScopeArg::AllTasks => ReportScope::AllTasks,
        ReportScopeArg::FailedTasksOnly => ReportScope::FailedTasksOnly,
    };
    let mut report = match &args.report_bucket {
        Some(bucket) => Report::new(bucket, true, scope),
        None => Report::new("", false, scope),
    };
    report.prefix = args.report_prefix.clone();
    let role_arn = match (&args.role_arn, uin) {
        (Some(arn), _) => arn.clone(),
        (None, Some(uin)) => format!("qcs::cam::uin/{uin}:roleName/COS_Batch_QcsRole"),
        (None, None) => return Err(missing("--role-arn (or --uin for the default role)")),
    };
    let mut request = CreateJobRequest::builder()
        .manifest(manifest)
        .operation(operation)
        .priority(args.priority)
        .report(report)
        .role_arn(role_arn)
        .build()
        .map_err(|e| Failure::usage(e.to_string()))?;
    request.description = args.description.clone();
    request.confirmation_required = args.confirmation_required.then_some(true);
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<CreateJobRequest><ClientRequestToken>t-1</ClientRequestToken>\
        <Manifest><Location><ETag>e</ETag><ObjectArn>qcs::cos:ap-guangzhou::b-1250000000/m.csv</ObjectArn></Location>\
        <Spec><Fields><member>Bucket</member><member>Key</member></Fields><Format>COSBatchOperations_CSV_V1</Format></Spec></Manifest>\
        <Operation><COSDeleteObject/></Operation><Priority>3</Priority>\
        <Report><Bucket>qcs::cos:ap-guangzhou::b-1250000000</Bucket><Enabled>false</Enabled><Format>Report_CSV_V1</Format>\
        <ReportScope>AllTasks</ReportScope></Report><RoleArn>qcs::cam::uin/1:roleName/R</RoleArn></CreateJobRequest>";

    #[test]
    fn xml_and_json_documents_give_the_same_request() {
        let from_xml = parse_document(XML.as_bytes()).unwrap();
        assert_eq!(from_xml.priority, 3);
        let json = serde_json::to_vec(&from_xml).unwrap();
        let from_json = parse_document(&json).unwrap();
        assert_eq!(from_xml, from_json);
    }

    #[test]
    fn a_misspelt_element_is_named_before_it_is_missed() {
        let e = parse_document(XML.replace("Priority", "Priorty").as_bytes()).unwrap_err();
        assert_eq!(
            e,
            "CreateJobRequest/Priorty: unknown field; did you mean Priority?"
        );
        let mut json = serde_json::to_value(parse_document(XML.as_bytes()).unwrap()).unwrap();
        json["Report"]["Enabeld"] = true.into();
        let e = parse_document(json.to_string().as_bytes()).unwrap_err();
        assert_eq!(
            e,
            "CreateJobRequest/Report/Enabeld: unknown field; did you mean Enabled?"
        );
    }

    #[test]
    fn a_document_that_is_neither_is_refused() {
        assert!(parse_document(b"  priority: 3").is_err());
        assert!(
            parse_document(b"<CreateJobRequest><Priority>x</Priority></CreateJobRequest>").is_err()
        );
        assert!(parse_document(b"{\"Priority\": \"x\"}").is_err());
    }
}
