//! `Emulator::start`: binds the listener, loads the state directory and starts the HTTP
//! service and the scheduler; `EmulatorHandle`: what a started emulator offers.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cos_batch_proto::Endpoint;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::body_budget::BodyBudget;
use crate::connections::{Admitted, Connections, InFlightBody, Limits};
use crate::control_plane::{ControlPlane, Settings};
use crate::faults::FaultInjector;
use crate::object_api::ObjectApi;
use crate::object_path::{ObjectPath, PathError, bucket_dir_name, md5_hex};
use crate::ownership::{Ownership, denied_message};
use crate::persist::StateStore;
use crate::service::{Reply, Service};
use crate::storage::{Storage, StorageError};
use crate::{Account, Config, ObjectMeta};

/// How long shutdown waits for open connections to finish their requests.
const CONNECTION_GRACE: Duration = Duration::from_secs(5);

/// Why an emulator could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration cannot work (two accounts with one APPID, an APPID that cannot be part
    /// of a bucket name, ...).
    InvalidConfig(String),
    /// The data or state directory cannot be used.
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: io::Error,
    },
    /// The address cannot be listened on.
    Bind(io::Error),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidConfig(why) => write!(f, "invalid emulator configuration: {why}"),
            Self::Io { what, source } => write!(f, "{what}: {source}"),
            Self::Bind(e) => write!(f, "cannot listen: {e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } | Self::Bind(source) => Some(source),
            Self::InvalidConfig(_) => None,
        }
    }
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> StartError {
    let what = what.into();
    move |source| StartError::Io { what, source }
}

/// The emulator. See the crate docs for an example.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// Starts an emulator: creates the data directory, loads the state directory (jobs that
    /// were running resume), listens and serves until [`EmulatorHandle::shutdown`].
    /// Call it inside a multi-threaded Tokio runtime.
    pub async fn start(config: Config) -> Result<EmulatorHandle, StartError> {
        let accounts = config.accounts();
        check_accounts(&accounts)?;
        let region_ok = !config.region.is_empty()
            && config
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(StartError::InvalidConfig(
                "the region must be lower-case ASCII letters, digits and '-'".to_owned(),
            ));
        }
        std::fs::create_dir_all(&config.data_dir).map_err(io_error(format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )))?;
        let storage = Storage::open(&config.data_dir).map_err(io_error(format!(
            "cannot open the data directory {}",
            config.data_dir.display()
        )))?;
        // What writes cut short by a kill left behind is never an object: removed now, once.
        let cleaner = storage.clone();
        let removed = tokio::task::spawn_blocking(move || cleaner.remove_temporaries())
            .await
            .map_err(io::Error::other)
            .and_then(|removed| removed)
            .map_err(io_error(
                "cannot remove the temporary files of the data directory",
            ))?;
        if removed > 0 {
            tracing::info!(removed, "removed temporary files of interrupted writes");
        }
        let store = match &config.state_dir {
            Some(dir) => Some(StateStore::open(dir).map_err(io_error(format!(
                "cannot open the state directory {}",
                dir.display()
            )))?),
            None => None,
        };
        let (loaded, set_aside) = match &store {
            Some(store) => {
                let (jobs, problems) = store
                    .load()
                    .map_err(io_error("cannot read the state directory"))?;
                for p in &problems {
                    tracing::warn!(problem = %p, "a job in the state directory was set aside");
                    eprintln!(
                        "cos-batch emulator: a job in the state directory was set aside: {p}"
                    );
                }
                (jobs, problems)
            }
            None => (Vec::new(), Vec::new()),
        };
        let settings = Settings {
            data_dir: config.data_dir.clone(),
            accounts: accounts.clone(),
            workers: config.workers,
            active_jobs: config.active_jobs,
            job_limit: config.job_limit,
            task_delay: config.task_delay,
        };
        let control = Arc::new(ControlPlane::new(settings, store));
        control.load(loaded);

        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(StartError::Bind)?;
        let addr = listener.local_addr().map_err(StartError::Bind)?;
        let base_url = format!("http://{addr}");
        let first = accounts
            .first()
            .ok_or_else(|| StartError::InvalidConfig("no account".to_owned()))?;
        let fallback_endpoint = Endpoint::with_base_url(&base_url, &first.appid)
            .map_err(|e| StartError::InvalidConfig(e.to_string()))?;

        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let service = Arc::new(Service::new(
            control.clone(),
            FaultInjector::new(config.faults),
            BodyBudget::new(config.body_budget, config.connections.header_read_timeout),
            ObjectApi::new(storage.clone(), accounts.clone()),
        ));
        let connections = Connections::new(config.connections);
        let accept = tokio::spawn(accept_loop(
            listener,
            service,
            connections.clone(),
            shutdown_rx.clone(),
        ));
        let scheduler = tokio::spawn(control.clone().scheduler_loop(shutdown_rx));
        tracing::info!(%base_url, "COS batch emulator listening");
        Ok(EmulatorHandle {
            addr,
            base_url,
            accounts,
            region: config.region,
            data_dir: config.data_dir,
            storage,
            fallback_endpoint,
            set_aside,
            connections,
            control,
            shutdown_tx,
            tasks: Some((accept, scheduler)),
        })
    }
}

/// Starts an emulator, serves until `signal` completes, then shuts it down gracefully.
///
/// ```no_run
/// # async fn demo() -> Result<(), cos_batch_emulator::StartError> {
/// use cos_batch_emulator::{run_until, Config};
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// # drop(stop);
/// // In a program: `tokio::signal::ctrl_c()` (Tokio's `signal` feature).
/// run_until(Config::new("./cos-data"), async {
///     let _ = stopped.await;
/// })
/// .await
/// # }
/// ```
pub async fn run_until(config: Config, signal: impl Future<Output = ()>) -> Result<(), StartError> {
    let handle = Emulator::start(config).await?;
    signal.await;
    handle.shutdown().await;
    Ok(())
}

fn check_accounts(accounts: &[Account]) -> Result<(), StartError> {
    let bad = |why: String| Err(StartError::InvalidConfig(why));
    let (mut appids, mut ids) = (HashSet::new(), HashSet::new());
    for a in accounts {
        if bucket_dir_name("b", &a.appid).is_err() {
            return bad(format!(
                "the APPID {:?} must be 1-64 ASCII letters or digits",
                a.appid
            ));
        }
        if a.uin.is_empty() || !a.uin.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return bad(format!(
                "the UIN {:?} must be ASCII letters or digits",
                a.uin
            ));
        }
        if a.secret_id.is_empty() || !a.secret_id.bytes().all(|b| b.is_ascii_graphic()) {
            return bad("a secret id must be visible ASCII".to_owned());
        }
        if !appids.insert(a.appid.clone()) {
            return bad(format!("two accounts have the APPID {}", a.appid));
        }
        if !ids.insert(a.secret_id.clone()) {
            return bad(format!("two accounts have the secret id {}", a.secret_id));
        }
    }
    Ok(())
}

/// The connection closed without a response (an injected fault).
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn accept_loop(
    listener: TcpListener,
    service: Arc<Service>,
    connections: Arc<Connections>,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let Some(admitted) = connections.admit() else {
                        tracing::debug!("connection cap reached and every connection is busy: refusing one");
                        drop(stream);
                        continue;
                    };
                    serve_connection(stream, admitted, service.clone(), connections.limits(), &graceful);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(CONNECTION_GRACE) => {}
    }
}

/// The most a connection's read buffer holds. hyper grows it to about 400 KiB while bytes keep
/// arriving; a client that sends a head and a large body at once, on each of hundreds of
/// connections, would hold that much each before its head is even parsed. Heads of COS requests
/// are a few KiB; a head larger than this is answered 431.
const MAX_READ_BUFFER: usize = 64 * 1024;

/// Serves one connection until it ends, is evicted, or stays idle too long.
fn serve_connection(
    stream: TcpStream,
    admitted: Admitted,
    service: Arc<Service>,
    limits: Limits,
    graceful: &GracefulShutdown,
) {
    let watched = admitted.connection.clone();
    let svc = service_fn(move |request| {
        let service = service.clone();
        let in_flight = watched.begin_request();
        async move {
            match service.handle(request).await {
                Reply::Response(r) => Ok(r.map(|body| InFlightBody::new(body, in_flight))),
                Reply::Drop => Err(Dropped),
            }
        }
    });
    let conn = http1::Builder::new()
        .max_buf_size(MAX_READ_BUFFER)
        .serve_connection(TokioIo::new(stream), svc);
    let conn = graceful.watch(conn);
    tokio::spawn(async move {
        tokio::select! {
            // The connection first: what it has to write goes out before it is closed.
            biased;
            ended = conn => if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended with an error");
            },
            () = admitted.connection.closed(limits) => {
                tracing::debug!("closing an idle connection");
            }
        }
        drop(admitted);
    });
}

/// A running emulator. Dropping it stops the listener and the jobs without waiting; call
/// [`EmulatorHandle::shutdown`] to stop gracefully.
pub struct EmulatorHandle {
    addr: SocketAddr,
    base_url: String,
    accounts: Vec<Account>,
    region: String,
    data_dir: PathBuf,
    storage: Storage,
    fallback_endpoint: Endpoint,
    set_aside: Vec<String>,
    connections: Arc<Connections>,
    control: Arc<ControlPlane>,
    shutdown_tx: watch::Sender<bool>,
    tasks: Option<(JoinHandle<()>, JoinHandle<()>)>,
}

impl fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("base_url", &self.base_url)
            .field("region", &self.region)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

fn invalid_input(e: PathError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e)
}

impl EmulatorHandle {
    /// The address the emulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The endpoint of `account` at this emulator. An account whose APPID cannot be sent as a
    /// header gets the first served account's endpoint (and its requests are refused).
    pub fn endpoint(&self, account: &Account) -> Endpoint {
        Endpoint::with_base_url(&self.base_url, &account.appid)
            .unwrap_or_else(|_| self.fallback_endpoint.clone())
    }

    /// The jobs of the state directory that could not be read on start: each was moved to
    /// `{state}/set-aside/`, and is reported here (and on stderr and as a `tracing` warning).
    pub fn set_aside_jobs(&self) -> &[String] {
        &self.set_aside
    }

    /// How many HTTP connections are open now.
    pub fn open_connections(&self) -> usize {
        self.connections.count()
    }

    /// The accounts served.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The directory of a bucket: `{data}/{bucket}-{appid}` (the suffix is not doubled).
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] for a bucket name or APPID that cannot be a
    /// directory name.
    pub fn bucket_dir(&self, bucket: &str, appid: &str) -> io::Result<PathBuf> {
        Ok(self
            .data_dir
            .join(bucket_dir_name(bucket, appid).map_err(invalid_input)?))
    }

    /// The file of an object.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] for a key that could leave the bucket (`..`,
    /// an absolute key, a percent-encoded separator, ...) or a bad bucket name or APPID.
    ///
    /// ```
    /// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let data = tempfile::tempdir()?;
    /// # let emulator = cos_batch_emulator::Emulator::start(cos_batch_emulator::Config::new(data.path())).await?;
    /// let path = emulator.object_path("photos", "1250000000", "2024/cat.jpg")?;
    /// assert!(path.ends_with("photos-1250000000/2024/cat.jpg"));
    /// for key in ["../../etc/passwd", "/etc/passwd", "a/./b", "%2e%2e/x"] {
    ///     let refused = emulator.object_path("photos", "1250000000", key).unwrap_err();
    ///     assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput, "{key}");
    /// }
    /// # emulator.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn object_path(&self, bucket: &str, appid: &str, key: &str) -> io::Result<PathBuf> {
        Ok(ObjectPath::resolve(&self.data_dir, bucket, appid, key)
            .map_err(invalid_input)?
            .path()
            .to_owned())
    }

    fn full_bucket(bucket: &str, appid: &str) -> String {
        bucket_dir_name(bucket, appid).unwrap_or_else(|_| format!("{bucket}-{appid}"))
    }

    /// `qcs::cos:{region}:uid/{appid}:{bucket}-{appid}`.
    pub fn bucket_arn(&self, bucket: &str, appid: &str) -> String {
        format!(
            "qcs::cos:{}:uid/{appid}:{}",
            self.region,
            Self::full_bucket(bucket, appid)
        )
    }

    /// `qcs::cos:{region}:uid/{appid}:{bucket}-{appid}/{key}`.
    pub fn object_arn(&self, bucket: &str, appid: &str, key: &str) -> String {
        format!("{}/{key}", self.bucket_arn(bucket, appid))
    }

    /// The rule of jobs holds here too: account `appid` cannot name a bucket that carries
    /// another served account's APPID (`PermissionDenied`).
    fn check_owner(&self, bucket: &str, appid: &str) -> io::Result<()> {
        if Ownership::new(appid, &self.accounts).owns(None, bucket) {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                denied_message("the bucket", bucket),
            ))
        }
    }

    /// Creates a bucket (its directory); returns the directory. Like every object helper, it
    /// refuses (`PermissionDenied`) a bucket that carries another served account's APPID.
    pub fn create_bucket(&self, bucket: &str, appid: &str) -> io::Result<PathBuf> {
        self.check_owner(bucket, appid)?;
        let dir = self.bucket_dir(bucket, appid)?;
        self.storage.create_bucket(bucket, appid, true)?;
        Ok(dir)
    }

    /// Writes an object (creating its bucket); returns its ETag (the MD5 hex of `bytes`), as a
    /// job's manifest location needs it.
    pub fn put_object(
        &self,
        bucket: &str,
        appid: &str,
        key: &str,
        bytes: &[u8],
    ) -> io::Result<String> {
        self.check_owner(bucket, appid)?;
        self.storage
            .create_bucket(bucket, appid, true)?
            .put(key, bytes)?;
        Ok(md5_hex(bytes))
    }

    /// An object's metadata (tags, headers, ACL, storage class, restore state); the default
    /// when it has none (or its bucket does not exist).
    pub fn object_meta(&self, bucket: &str, appid: &str, key: &str) -> io::Result<ObjectMeta> {
        self.check_owner(bucket, appid)?;
        match self.storage.bucket(bucket, appid) {
            Ok(open) => Ok(open.read_meta(key)?),
            Err(StorageError::NoSuchBucket(_)) => {
                crate::object_path::check_key(key).map_err(invalid_input)?;
                Ok(ObjectMeta::default())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sets an object's metadata (e.g. the storage class `ARCHIVE`, to try restores).
    pub fn set_object_meta(
        &self,
        bucket: &str,
        appid: &str,
        key: &str,
        meta: &ObjectMeta,
    ) -> io::Result<()> {
        self.check_owner(bucket, appid)?;
        Ok(self.storage.bucket(bucket, appid)?.write_meta(key, meta)?)
    }

    /// Stops gracefully: stops accepting connections and lets open ones finish, lets running
    /// tasks finish (jobs stop taking new ones), and saves every job's state.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        self.control.begin_shutdown();
        if let Some((accept, scheduler)) = self.tasks.take() {
            let _ = accept.await;
            let _ = scheduler.await;
        }
        self.control.shutdown().await;
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if self.tasks.is_some() {
            let _ = self.shutdown_tx.send(true);
            self.control.begin_shutdown();
        }
    }
}
