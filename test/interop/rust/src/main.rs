//! Interop peer for issue #14: the async-nats object store (Rust).
//!
//!   interop-rust-peer write <natsTcpUrl> <bucket> <manifest.json>
//!   interop-rust-peer read  <natsTcpUrl> <bucket> <manifest.json>
//!
//! `write` creates or opens the bucket, puts every object of the manifest, adds its links and deletes
//! its `deletes`; `read` prints one JSON document describing what async-nats sees (see the peer
//! contract in test/harness/peers.ts). Every operation goes through async-nats' object store API; the
//! bucket's description and metadata are read from its backing stream, since async-nats' object store
//! has no status call. `write` ends with one line `{"unsupported":["bucket-metadata"]}`: async-nats
//! cannot give a bucket metadata.

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::str::FromStr;

use async_nats::jetstream::object_store::{Config, ObjectInfo, ObjectMetadata, ObjectStore};
use async_nats::jetstream::Context;
use async_nats::{HeaderMap, HeaderName, HeaderValue};
use futures_util::StreamExt;
use ring::digest::{Context as Sha256, SHA256};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What async-nats 0.51 cannot write (feature names of test/harness/peers.ts): its object store
/// `Config` has no metadata field, so a bucket it creates has none. It reads everything.
const CANNOT_WRITE: &[&str] = &["bucket-metadata"];

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    create_bucket: Option<BucketSpec>,
    #[serde(default)]
    objects: Vec<ObjectSpec>,
    #[serde(default)]
    links: Vec<LinkSpec>,
    #[serde(default)]
    deletes: Vec<String>,
}

/// `createBucket`; its `metadata` is left out: async-nats cannot set it.
#[derive(Deserialize, Default)]
struct BucketSpec {
    description: Option<String>,
}

#[derive(Deserialize)]
struct ObjectSpec {
    name: String,
    file: String,
    description: Option<String>,
    headers: Option<BTreeMap<String, Vec<String>>>,
    metadata: Option<HashMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkSpec {
    name: String,
    target_bucket: String,
    target_name: Option<String>,
}

#[derive(Serialize, Default)]
struct BucketReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, Default)]
struct ObjectReport {
    name: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    size: u64,
    sha256: String,
    chunks: u64,
    digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct LinkReport {
    name: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    bucket: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_name: Option<String>,
}

#[derive(Serialize, Default)]
struct DeletedReport {
    name: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    deleted: bool,
}

#[derive(Serialize)]
struct ReadReport {
    bucket: BucketReport,
    objects: Vec<ObjectReport>,
    links: Vec<LinkReport>,
    deleted: Vec<DeletedReport>,
    list: Vec<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 || (args[1] != "write" && args[1] != "read") {
        eprintln!(
            "usage: {} write|read <natsTcpUrl> <bucket> <manifest.json>",
            args[0]
        );
        return ExitCode::from(2);
    }
    match run(&args[1], &args[2], &args[3], &args[4]).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("async-nats peer {}: {}", args[1], chain(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

/// An error with its sources, joined: async-nats keeps the server's answer in the source.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}

async fn run(mode: &str, url: &str, bucket: &str, manifest_path: &str) -> Result<(), BoxError> {
    let manifest: Manifest = serde_json::from_slice(&tokio::fs::read(manifest_path).await?)
        .map_err(|err| format!("manifest {manifest_path}: {err}"))?;
    let client = async_nats::connect(url).await?;
    let js = async_nats::jetstream::new(client.clone());
    if mode == "write" {
        write(&js, bucket, &manifest).await?;
        println!("{}", serde_json::json!({ "unsupported": CANNOT_WRITE }));
    } else {
        let report = read(&js, bucket, &manifest).await?;
        println!("{}", serde_json::to_string(&report)?);
    }
    client.flush().await?;
    Ok(())
}

async fn write(js: &Context, bucket: &str, manifest: &Manifest) -> Result<(), BoxError> {
    let store = match &manifest.create_bucket {
        Some(spec) => js
            .create_object_store(Config {
                bucket: bucket.to_string(),
                description: spec.description.clone(),
                ..Default::default()
            })
            .await
            .map_err(|err| format!("create bucket {bucket}: {}", chain(&err)))?,
        None => js
            .get_object_store(bucket)
            .await
            .map_err(|err| format!("open bucket {bucket}: {}", chain(&err)))?,
    };

    for spec in &manifest.objects {
        let meta = ObjectMetadata {
            name: spec.name.clone(),
            description: spec.description.clone(),
            metadata: spec.metadata.clone().unwrap_or_default(),
            headers: spec.headers.as_ref().map(to_header_map).transpose()?,
            chunk_size: None,
        };
        let mut file = tokio::fs::File::open(&spec.file)
            .await
            .map_err(|err| format!("{}: {err}", spec.file))?;
        store
            .put(meta, &mut file)
            .await
            .map_err(|err| format!("put {:?}: {}", spec.name, chain(&err)))?;
    }

    for link in &manifest.links {
        add_link(js, &store, bucket, link)
            .await
            .map_err(|err| format!("link {:?}: {err}", link.name))?;
    }

    for name in &manifest.deletes {
        store
            .delete(name)
            .await
            .map_err(|err| format!("delete {name:?}: {}", chain(&err)))?;
    }
    Ok(())
}

async fn add_link(
    js: &Context,
    store: &ObjectStore,
    bucket: &str,
    link: &LinkSpec,
) -> Result<(), BoxError> {
    match &link.target_name {
        None => {
            store
                .add_bucket_link(&link.name, &link.target_bucket)
                .await?;
        }
        Some(target) => {
            let info = if link.target_bucket == bucket {
                store.info(target).await?
            } else {
                js.get_object_store(&link.target_bucket)
                    .await?
                    .info(target)
                    .await?
            };
            store.add_link(&link.name, &info).await?;
        }
    }
    Ok(())
}

fn to_header_map(headers: &BTreeMap<String, Vec<String>>) -> Result<HeaderMap, BoxError> {
    let mut map = HeaderMap::new();
    for (key, values) in headers {
        let name = HeaderName::from_str(key).map_err(|_| format!("invalid header name {key:?}"))?;
        for value in values {
            let value = HeaderValue::from_str(value)
                .map_err(|_| format!("invalid header value {value:?}"))?;
            map.append(name.clone(), value);
        }
    }
    Ok(map)
}

fn from_header_map(headers: &HeaderMap) -> BTreeMap<String, Vec<String>> {
    headers
        .iter()
        .map(|(name, values)| {
            let name: &str = name.as_ref();
            (
                name.to_string(),
                values.iter().map(|v| v.as_str().to_string()).collect(),
            )
        })
        .collect()
}

async fn read(js: &Context, bucket: &str, manifest: &Manifest) -> Result<ReadReport, BoxError> {
    let store = js
        .get_object_store(bucket)
        .await
        .map_err(|err| format!("open bucket {bucket}: {}", chain(&err)))?;

    // async-nats' ObjectStore has no status: the bucket's config is its backing stream's.
    let stream = js
        .get_stream(format!("OBJ_{bucket}"))
        .await
        .map_err(|err| format!("bucket stream: {}", chain(&err)))?;
    let config = &stream.cached_info().config;
    let bucket_report = BucketReport {
        description: config.description.clone().filter(|d| !d.is_empty()),
        metadata: Some(
            config
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
        .filter(|m| !m.is_empty()),
    };

    let mut objects = Vec::new();
    for spec in &manifest.objects {
        if manifest.deletes.contains(&spec.name) {
            continue;
        }
        objects.push(read_object(&store, &spec.name).await);
    }

    let mut links = Vec::new();
    for spec in &manifest.links {
        links.push(match store.info(&spec.name).await {
            Err(err) => LinkReport {
                name: spec.name.clone(),
                error: Some(chain(&err)),
                ..Default::default()
            },
            Ok(info) => match info.options.and_then(|o| o.link) {
                None => LinkReport {
                    name: spec.name.clone(),
                    error: Some("not a link".into()),
                    ..Default::default()
                },
                Some(link) => LinkReport {
                    name: spec.name.clone(),
                    ok: true,
                    error: None,
                    bucket: link.bucket,
                    target_name: link.name,
                },
            },
        });
    }

    let mut deleted = Vec::new();
    for name in &manifest.deletes {
        deleted.push(read_deleted(&store, name).await);
    }

    let mut list = Vec::new();
    let mut entries = store
        .list()
        .await
        .map_err(|err| format!("list: {}", chain(&err)))?;
    while let Some(entry) = entries.next().await {
        list.push(entry.map_err(|err| format!("list: {}", chain(&err)))?.name);
    }

    Ok(ReadReport {
        bucket: bucket_report,
        objects,
        links,
        deleted,
        list,
    })
}

/// Gets one object through async-nats (which checks the digest at the last chunk), hashing the
/// bytes as they stream; a failure is reported in the entry.
async fn read_object(store: &ObjectStore, name: &str) -> ObjectReport {
    let mut report = ObjectReport {
        name: name.to_string(),
        ..Default::default()
    };
    let mut object = match store.get(name).await {
        Ok(object) => object,
        Err(err) => {
            report.error = Some(format!("get: {}", chain(&err)));
            return report;
        }
    };
    describe(&mut report, object.info());
    let mut hash = Sha256::new(&SHA256);
    let mut buf = vec![0u8; 256 * 1024];
    let mut read: u64 = 0;
    loop {
        match object.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => {
                hash.update(&buf[..n]);
                read += n as u64;
            }
            Err(err) => {
                report.error = Some(format!("read after {read} bytes: {}", chain(&err)));
                return report;
            }
        }
    }
    report.sha256 = hex(hash.finish().as_ref());
    if read != report.size {
        report.error = Some(format!("read {read} bytes, info says {}", report.size));
        report.size = read;
        return report;
    }
    report.ok = true;
    report
}

fn describe(report: &mut ObjectReport, info: &ObjectInfo) {
    report.size = info.size as u64;
    report.chunks = info.chunks as u64;
    report.digest = info.digest.clone().unwrap_or_default();
    report.description = info.description.clone().filter(|d| !d.is_empty());
    report.headers = info
        .headers
        .as_ref()
        .map(from_header_map)
        .filter(|h| !h.is_empty());
    report.metadata = Some(
        info.metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
    .filter(|m| !m.is_empty());
}

/// async-nats' `info` returns a deleted object's meta as it is (its equivalent of showing deleted);
/// its `get` must refuse the name.
async fn read_deleted(store: &ObjectStore, name: &str) -> DeletedReport {
    let mut report = DeletedReport {
        name: name.to_string(),
        ..Default::default()
    };
    match store.info(name).await {
        Err(err) => report.error = Some(format!("info: {}", chain(&err))),
        Ok(info) => {
            report.deleted = info.deleted;
            match store.get(name).await {
                Ok(_) => report.error = Some("get of a deleted object succeeded".into()),
                Err(_) => report.ok = info.deleted,
            }
            if !info.deleted {
                report.error = Some("meta is not marked deleted".into());
            }
        }
    }
    report
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
