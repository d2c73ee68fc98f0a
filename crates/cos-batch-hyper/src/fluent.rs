//! Fluent builders: `client.create_job().manifest(..).priority(5).send().await`, one per
//! operation, each ending in `send()` (the same call as the request-struct method, e.g.
//! [`Client::create_job_with`]).

use cos_batch_model::{
    CreateJobRequest, CreateJobRequestBuilder, CreateJobResult, DeleteJobRequest, DeleteJobResult,
    DescribeJobRequest, DescribeJobResult, JobStatus, ListJobsRequest, ListJobsResult, Manifest,
    MissingField, Operation, Report, RequestedJobStatus, UpdateJobPriorityRequest,
    UpdateJobPriorityResult, UpdateJobStatusRequest, UpdateJobStatusResult,
};

use crate::client::Client;
use crate::error::Error;
use crate::paginator::ListJobsPaginator;

/// CreateJob as a fluent builder: [`Client::create_job`]. Without
/// [`CreateJobFluentBuilder::client_request_token`], the client fills a fresh UUID once and
/// reuses it on every retry (see [`Client::create_job_with`] for the recovery).
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send().await`"]
pub struct CreateJobFluentBuilder {
    client: Client,
    request: CreateJobRequestBuilder,
}

impl CreateJobFluentBuilder {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            request: CreateJobRequest::builder(),
        }
    }

    /// `ClientRequestToken` (1–64 bytes). Leave it unset unless repeating a call whose
    /// outcome is unknown ([`Error::outcome_unknown_token`]).
    pub fn client_request_token(mut self, token: impl Into<String>) -> Self {
        self.request = self.request.client_request_token(token);
        self
    }

    /// Sets or clears `ClientRequestToken`.
    pub fn set_client_request_token(mut self, token: Option<String>) -> Self {
        self.request = self.request.set_client_request_token(token);
        self
    }

    /// `ConfirmationRequired`: the job waits in `Suspended` until confirmed.
    pub fn confirmation_required(mut self, required: bool) -> Self {
        self.request = self.request.confirmation_required(required);
        self
    }

    /// `Description` (0–256 bytes).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.request = self.request.description(description);
        self
    }

    /// `Manifest` (required).
    pub fn manifest(mut self, manifest: Manifest) -> Self {
        self.request = self.request.manifest(manifest);
        self
    }

    /// `Operation` (required).
    pub fn operation(mut self, operation: Operation) -> Self {
        self.request = self.request.operation(operation);
        self
    }

    /// `Priority` (required).
    pub fn priority(mut self, priority: u32) -> Self {
        self.request = self.request.priority(priority);
        self
    }

    /// `Report` (required).
    pub fn report(mut self, report: Report) -> Self {
        self.request = self.request.report(report);
        self
    }

    /// `RoleArn` (required).
    pub fn role_arn(mut self, role_arn: impl Into<String>) -> Self {
        self.request = self.request.role_arn(role_arn);
        self
    }

    /// Sends the request. A required element not set is [`Error::MissingField`], and nothing
    /// is sent.
    pub async fn send(self) -> Result<CreateJobResult, Error> {
        let request = self.request.build().map_err(Error::MissingField)?;
        self.client.create_job_with(request).await
    }
}

/// DescribeJob as a fluent builder: [`Client::describe_job`].
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send().await`"]
pub struct DescribeJobFluentBuilder {
    client: Client,
    job_id: String,
}

impl DescribeJobFluentBuilder {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            job_id: String::new(),
        }
    }

    /// The job (required).
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = job_id.into();
        self
    }

    /// Sends the request (a missing job id is [`Error::Invalid`], and nothing is sent).
    pub async fn send(self) -> Result<DescribeJobResult, Error> {
        self.client
            .describe_job_with(DescribeJobRequest::new(self.job_id))
            .await
    }
}

/// ListJobs as a fluent builder: [`Client::list_jobs`]. [`ListJobsFluentBuilder::send`] gets
/// one page; [`ListJobsFluentBuilder::into_paginator`] walks them all.
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send().await` or the paginator is polled"]
pub struct ListJobsFluentBuilder {
    client: Client,
    request: ListJobsRequest,
}

impl ListJobsFluentBuilder {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            request: ListJobsRequest::new(),
        }
    }

    /// Only jobs in `status` (call again to add statuses).
    pub fn job_status(mut self, status: JobStatus) -> Self {
        self.request = self.request.with_status(status);
        self
    }

    /// `maxResults`: the page size (1–1000).
    pub fn max_results(mut self, max: u32) -> Self {
        self.request = self.request.with_max_results(max);
        self
    }

    /// `nextToken`: start at the page this token names.
    pub fn next_token(mut self, token: impl Into<String>) -> Self {
        self.request = self.request.with_next_token(token);
        self
    }

    /// Sends the request: one page.
    pub async fn send(self) -> Result<ListJobsResult, Error> {
        self.client.list_jobs_with(self.request).await
    }

    /// Every page from this one on (see [`ListJobsPaginator`]).
    pub fn into_paginator(self) -> ListJobsPaginator {
        ListJobsPaginator::new(self.client, self.request)
    }
}

/// UpdateJobStatus as a fluent builder: [`Client::update_job_status`].
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send().await`"]
pub struct UpdateJobStatusFluentBuilder {
    client: Client,
    job_id: String,
    requested: Option<RequestedJobStatus>,
    reason: Option<String>,
}

impl UpdateJobStatusFluentBuilder {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            job_id: String::new(),
            requested: None,
            reason: None,
        }
    }

    /// The job (required).
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = job_id.into();
        self
    }

    /// `requestedJobStatus` (required): `Ready` or `Cancelled`.
    pub fn requested_job_status(mut self, status: RequestedJobStatus) -> Self {
        self.requested = Some(status);
        self
    }

    /// `statusUpdateReason` (0–256 bytes).
    pub fn status_update_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sends the request; without a requested status it is [`Error::MissingField`].
    pub async fn send(self) -> Result<UpdateJobStatusResult, Error> {
        let requested = self
            .requested
            .ok_or(Error::MissingField(MissingField::new("requestedJobStatus")))?;
        let mut request = UpdateJobStatusRequest::new(self.job_id, requested);
        request.status_update_reason = self.reason;
        self.client.update_job_status_with(request).await
    }
}

/// UpdateJobPriority as a fluent builder: [`Client::update_job_priority`].
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send().await`"]
pub struct UpdateJobPriorityFluentBuilder {
    client: Client,
    job_id: String,
    priority: Option<u32>,
}

impl UpdateJobPriorityFluentBuilder {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            job_id: String::new(),
            priority: None,
        }
    }

    /// The job (required).
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = job_id.into();
        self
    }

    /// `priority` (required, 0–2147483647).
    pub fn priority(mut self, priority: u32) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Sends the request; without a priority it is [`Error::MissingField`].
    pub async fn send(self) -> Result<UpdateJobPriorityResult, Error> {
        let priority = self
            .priority
            .ok_or(Error::MissingField(MissingField::new("priority")))?;
        self.client
            .update_job_priority_with(UpdateJobPriorityRequest::new(self.job_id, priority))
            .await
    }
}

/// DeleteJob as a fluent builder: [`Client::delete_job`].
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send().await`"]
pub struct DeleteJobFluentBuilder {
    client: Client,
    job_id: String,
}

impl DeleteJobFluentBuilder {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            job_id: String::new(),
        }
    }

    /// The job (required).
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = job_id.into();
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<DeleteJobResult, Error> {
        self.client
            .delete_job_with(DeleteJobRequest::new(self.job_id))
            .await
    }
}

impl Client {
    /// CreateJob, fluent: set the elements, then `send().await`.
    ///
    /// ```no_run
    /// # async fn f(client: cos_batch_hyper::Client, manifest: cos_batch_hyper::model::Manifest,
    /// #            report: cos_batch_hyper::model::Report) -> Result<(), cos_batch_hyper::Error> {
    /// use cos_batch_hyper::model::{DeleteObject, Operation};
    ///
    /// let created = client
    ///     .create_job()
    ///     .manifest(manifest)
    ///     .operation(Operation::DeleteObject(DeleteObject::default()))
    ///     .report(report)
    ///     .role_arn("qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole")
    ///     .priority(5)
    ///     .send()
    ///     .await?;
    /// println!("{:?}", created.job_id);
    /// # Ok(()) }
    /// ```
    pub fn create_job(&self) -> CreateJobFluentBuilder {
        CreateJobFluentBuilder::new(self.clone())
    }

    /// DescribeJob, fluent: `client.describe_job().job_id(id).send().await`.
    pub fn describe_job(&self) -> DescribeJobFluentBuilder {
        DescribeJobFluentBuilder::new(self.clone())
    }

    /// ListJobs, fluent: one page with `send()`, or all with `into_paginator()`.
    pub fn list_jobs(&self) -> ListJobsFluentBuilder {
        ListJobsFluentBuilder::new(self.clone())
    }

    /// UpdateJobStatus, fluent.
    pub fn update_job_status(&self) -> UpdateJobStatusFluentBuilder {
        UpdateJobStatusFluentBuilder::new(self.clone())
    }

    /// UpdateJobPriority, fluent.
    pub fn update_job_priority(&self) -> UpdateJobPriorityFluentBuilder {
        UpdateJobPriorityFluentBuilder::new(self.clone())
    }

    /// DeleteJob, fluent.
    pub fn delete_job(&self) -> DeleteJobFluentBuilder {
        DeleteJobFluentBuilder::new(self.clone())
    }
}
