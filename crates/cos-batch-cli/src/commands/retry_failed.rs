//! `cos-batch retry-failed JOB`: the failed tasks of an ended job's report, written as a new
//! manifest (uploaded next to the report), and a new job with the same operation, priority,
//! report, role and confirmation setting over just those objects.

use cos_batch_hyper::Client;
use cos_batch_model::{
    CreateJobRequest, Job, ManifestField, ManifestFormat, ManifestLocation, ManifestSpec,
};
use serde::Serialize;

use crate::cli::{OutputFormat, RetryFailedArgs};
use crate::commands::put::upload;
use crate::commands::report::ended_job;
use crate::cos_url::CosUrl;
use crate::failure::Failure;
use crate::manifest_csv::ManifestFile;
use crate::output;
use crate::report_reader::{ReportLocation, for_each_row};

/// What `retry-failed` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Retried {
    /// The job whose failures are retried.
    pub retried_job_id: String,
    /// The new job (absent when there was nothing to retry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Tasks in the new job's manifest.
    pub tasks: u64,
    /// The new manifest (absent when there was nothing to retry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
}

/// The region of a COS ARN (`qcs::cos:{region}:...`).
fn arn_region(arn: &str) -> Option<&str> {
    arn.strip_prefix("qcs::cos:")?.split(':').next()
}

/// The request of the new job: `job`'s settings over the manifest at `location`.
fn retry_request(
    job: &Job,
    location: ManifestLocation,
    versioned: bool,
    token: Option<String>,
) -> Result<CreateJobRequest, Failure> {
    let id = job.job_id.as_deref().unwrap_or_default();
    let lacks = |what: &str| Failure::Transport(format!("DescribeJob of {id} gave no {what}"));
    let mut fields = vec![ManifestField::Bucket, ManifestField::Key];
    if versioned {
        fields.push(ManifestField::VersionId);
    }
    let mut request = CreateJobRequest::new(
        "",
        cos_batch_model::Manifest::new(
            location,
            ManifestSpec::new(ManifestFormat::CosBatchOperationsCsvV1, fields),
        ),
        job.operation.clone().ok_or_else(|| lacks("Operation"))?,
        job.priority.unwrap_or(10),
        job.report.clone().ok_or_else(|| lacks("Report"))?,
        job.role_arn.clone().ok_or_else(|| lacks("RoleArn"))?,
    );
    request.client_request_token = token;
    request.confirmation_required = job.confirmation_required;
    request.description = Some(format!("retry of the failed tasks of job {id}"));
    Ok(request)
}

/// Run `retry-failed`.
pub async fn run(
    client: &Client,
    args: &RetryFailedArgs,
    format: OutputFormat,
) -> Result<(), Failure> {
    let job = ended_job(client, &args.job_id).await?;
    let at = ReportLocation::of(&job)?;
    let versioned = job
        .manifest
        .as_ref()
        .is_some_and(|m| m.spec.fields.contains(&ManifestField::VersionId));
    let mut file = ManifestFile::new()?;
    for_each_row(client, &at, |row| {
        if !row.failed() {
            return Ok(());
        }
        let version = versioned.then_some(row.version_id.as_str());
        file.push(&row.bucket, &row.key, version)
    })
    .await?;
    file.finish()?;
    let mut retried = Retried {
        retried_job_id: args.job_id.clone(),
        job_id: None,
        tasks: file.rows(),
        manifest: None,
    };
    if file.rows() > 0 {
        let to = CosUrl {
            bucket: at.bucket.clone(),
            key: format!("{}/retry-failed.csv", at.base),
        };
        let etag = upload(client, file.path(), &to).await?;
        let region = job
            .manifest
            .as_ref()
            .and_then(|m| arn_region(&m.location.object_arn))
            .unwrap_or(cos_batch_emulator::DEFAULT_REGION)
            .to_owned();
        let location = ManifestLocation::new(to.object_arn(&region), etag);
        let request = retry_request(&job, location, versioned, args.client_request_token.clone())?;
        let created = client.create_job_with(request).await?;
        retried.job_id = created.job_id;
        retried.manifest = Some(to.to_string());
    }
    output::emit(format, &retried, || match &retried.job_id {
        Some(id) => format!(
            "created job {id} over the {} failed tasks of job {} (manifest {})",
            retried.tasks,
            retried.retried_job_id,
            retried.manifest.as_deref().unwrap_or_default()
        ),
        None => format!(
            "job {} has no failed task: nothing to retry",
            retried.retried_job_id
        ),
    })
}
