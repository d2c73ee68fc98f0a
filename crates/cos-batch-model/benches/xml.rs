//! XML benchmarks: decode a 1000-member `ListJobsResult` beside a raw quick-xml event scan of the
//! same document (the goal: decode at >= 50 % of `raw_scan` throughput), encode a full
//! `CreateJobRequest`, decode a full `DescribeJobResult`, and `describe_job_decode`: the
//! DescribeJob document of `cos-batch-hyper`'s `roundtrip` bench (`describe_response()` there).
//!
//! `cargo bench -p cos-batch-model --bench xml`

use std::hint::black_box;

use cos_batch_model::{CreateJobRequest, DescribeJobResult, ListJobsResult, XmlDocument};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quick_xml::Reader;
use quick_xml::events::Event;

/// A `ListJobsResult` of `n` members shaped like the vendor's sample (about 480 bytes each).
fn list_jobs_document(n: usize) -> String {
    let mut xml = String::from("<ListJobsResult><Jobs>");
    for i in 0..n {
        xml.push_str(&format!(
            "<member><CreationTime>2019-12-19T11:{m:02}:{s:02}Z</CreationTime>\
             <Description>example-job &amp; friends #{i}</Description>\
             <JobId>{i:08x}-67ca-4e89-8089-0de9a1e40943</JobId>\
             <Operation>COSPutObjectCopy</Operation><Priority>{p}</Priority>\
             <ProgressSummary><NumberOfTasksFailed>{f}</NumberOfTasksFailed>\
             <NumberOfTasksSucceeded>{ok}</NumberOfTasksSucceeded>\
             <TotalNumberOfTasks>{t}</TotalNumberOfTasks></ProgressSummary>\
             <Status>Complete</Status><TerminationDate>2019-12-19T11:{m:02}:{s2:02}Z</TerminationDate>\
             </member>",
            m = i % 60,
            s = (i * 7) % 60,
            s2 = (i * 7 + 16) % 60,
            p = i % 100,
            f = i % 3,
            ok = 1_000_000 + i,
            t = 1_000_000 + i + i % 3,
        ));
    }
    xml.push_str(
        "</Jobs><NextToken>000003e7-67ca-4e89-8089-0de9a1e40943</NextToken></ListJobsResult>",
    );
    xml
}

/// Reads every quick-xml event of `xml` and nothing more: the ceiling for any decoder on it.
fn raw_scan(xml: &str) -> usize {
    let mut reader = Reader::from_str(xml);
    let mut events = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return events,
            Ok(ev) => {
                black_box(&ev);
                events += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

fn benches(c: &mut Criterion) {
    let list = list_jobs_document(1000);
    assert_eq!(
        ListJobsResult::from_xml(list.as_bytes())
            .unwrap()
            .jobs
            .len(),
        1000
    );
    let mut group = c.benchmark_group("list_jobs_1000");
    group.throughput(Throughput::BytesDecimal(list.len() as u64));
    group.bench_function("list_jobs_decode", |b| {
        b.iter(|| ListJobsResult::from_xml(black_box(list.as_bytes())).unwrap())
    });
    group.bench_function("raw_scan", |b| b.iter(|| raw_scan(black_box(&list))));
    group.finish();

    let request = CreateJobRequest::from_xml(include_bytes!(
        "../tests/data/edge/create_job_request_full.xml"
    ))
    .unwrap();
    let encoded = request.to_xml();
    let mut group = c.benchmark_group("create_job_request");
    group.throughput(Throughput::BytesDecimal(encoded.len() as u64));
    group.bench_function("encode", |b| b.iter(|| black_box(&request).to_xml()));
    group.finish();

    let describe = include_bytes!("../tests/data/edge/describe_job_result_full.xml");
    let mut group = c.benchmark_group("describe_job_result");
    group.throughput(Throughput::BytesDecimal(describe.len() as u64));
    group.bench_function("decode", |b| {
        b.iter(|| DescribeJobResult::from_xml(black_box(describe)).unwrap())
    });
    group.finish();

    // The body `describe_response()` in `crates/cos-batch-hyper/benches/roundtrip.rs` sends,
    // saved as our encoder writes it (the assertion checks that it still does).
    let describe_job = include_str!("../tests/data/edge/describe_job_result_roundtrip.xml");
    let expected = DescribeJobResult::from_xml(describe_job.as_bytes()).unwrap();
    assert_eq!(expected.to_xml(), describe_job);
    let mut group = c.benchmark_group("describe_job_decode");
    group.throughput(Throughput::BytesDecimal(describe_job.len() as u64));
    group.bench_function("describe_job_decode", |b| {
        b.iter(|| DescribeJobResult::from_xml(black_box(describe_job.as_bytes())).unwrap())
    });
    group.bench_function("raw_scan", |b| b.iter(|| raw_scan(black_box(describe_job))));
    group.finish();

    eprintln!(
        "list_jobs document: {} bytes; create_job_request encoding: {} bytes; describe_job_result: {} bytes; \
         describe_job_decode: {} bytes",
        list.len(),
        encoded.len(),
        describe.len(),
        describe_job.len()
    );
}

criterion_group!(xml, benches);
criterion_main!(xml);
