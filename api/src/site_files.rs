//! The published site, served from memory. tower-http's `ServeDir` reads every file through
//! tokio's blocking pool (metadata, open, reads: several thread hops per request), which held a
//! signed-in page view to about 2k requests/s on two cores; site files are small and read far
//! more often than they change, so each is read once and kept.
//!
//! The site is republished by swapping the whole folder (a new inode at the same path), so the
//! cache remembers the folder's inode and starts over when it changes, whoever published: the
//! in-process rebuild or a `tracebook build` run by hand. Files above [`MAX_FILE`], paths with
//! percent-escapes, directories without their trailing slash and anything but GET and HEAD go
//! to `ServeDir`, which stays the reference behaviour.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::state::AppState;

/// Files larger than this are streamed by `ServeDir` rather than kept.
const MAX_FILE: u64 = 512 * 1024;
/// Bytes kept at most; past it the cache starts over (the next reads refill it).
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// The cache of one site folder.
pub(crate) struct SiteFiles {
    dir: PathBuf,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    /// (device, inode) of the folder the entries were read from.
    folder: Option<Identity>,
    files: HashMap<String, Arc<CachedFile>>,
    bytes: usize,
}

struct CachedFile {
    body: Bytes,
    content_type: HeaderValue,
    etag: HeaderValue,
}

impl SiteFiles {
    pub(crate) fn new(dir: PathBuf) -> SiteFiles {
        SiteFiles {
            dir,
            cache: Mutex::new(Cache::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // Entries are inserted whole: a panic elsewhere cannot leave one half-written.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached file at `rel`, after dropping everything if the folder was swapped.
    fn get(&self, rel: &str) -> Option<Arc<CachedFile>> {
        let folder = identity(&self.dir);
        let mut cache = self.lock();
        if cache.folder != folder {
            *cache = Cache {
                folder,
                ..Cache::default()
            };
            return None;
        }
        cache.files.get(rel).cloned()
    }

    fn keep(&self, rel: String, file: Arc<CachedFile>, folder: Option<Identity>) {
        let mut cache = self.lock();
        if cache.folder != folder {
            return;
        }
        if cache.bytes + file.body.len() > MAX_BYTES {
            cache.files.clear();
            cache.bytes = 0;
        }
        cache.bytes += file.body.len();
        cache.files.insert(rel, file);
    }
}

/// The fallback of the router: every path no route claims is a site file.
pub(crate) async fn serve_site(State(state): State<AppState>, request: Request) -> Response {
    let Some(rel) = cacheable_path(&request) else {
        return serve_dir(&state, request).await;
    };
    let conditional = request.headers().get(header::IF_NONE_MATCH).cloned();
    let head = request.method() == Method::HEAD;
    let file = match state.site_files.get(&rel) {
        Some(file) => file,
        None => {
            let files = Arc::clone(&state.site_files);
            let key = rel.clone();
            let read = tokio::task::spawn_blocking(move || read(&files.dir, &key)).await;
            match read {
                Ok(Some((file, folder))) => {
                    let file = Arc::new(file);
                    state.site_files.keep(rel, Arc::clone(&file), folder);
                    file
                }
                // Missing, a folder, too large, unreadable: ServeDir answers as it always has.
                _ => return serve_dir(&state, request).await,
            }
        }
    };
    respond(&file, conditional.as_ref(), head)
}

/// The site-relative file a GET or HEAD asks for, when it can be served from memory.
fn cacheable_path(request: &Request) -> Option<String> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let path = request.uri().path();
    if path.contains('%') || path.contains("//") || path.contains('\\') {
        return None;
    }
    let rel = path.strip_prefix('/')?;
    if rel
        .split('/')
        .any(|part| part == "." || part == ".." || part.starts_with('.') && !part.is_empty())
    {
        return None;
    }
    if rel.is_empty() || rel.ends_with('/') {
        return Some(format!("{rel}index.html"));
    }
    Some(rel.to_owned())
}

/// What the cache is valid for: the folder's (device, inode) and the inode of the publish
/// stamp beside it (0 before the first publish). The stamp is rewritten by whichever process
/// published, so a server notices a publish made by another one sharing the volume.
type Identity = (u64, u64, u64);

fn identity(dir: &Path) -> Option<Identity> {
    let folder = std::fs::metadata(dir).ok()?;
    let stamp = std::fs::metadata(tracebook_worker::publish_stamp_path(dir)).map_or(0, |m| m.ino());
    Some((folder.dev(), folder.ino(), stamp))
}

/// Reads `dir/rel` when it is a regular file no larger than [`MAX_FILE`], with the folder's
/// identity as it was before the read (so a swap during the read is not cached).
fn read(dir: &Path, rel: &str) -> Option<(CachedFile, Option<Identity>)> {
    let folder = identity(dir);
    let path = dir.join(rel);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return None;
    }
    let body = Bytes::from(std::fs::read(&path).ok()?);
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    // The generator writes UTF-8; saying so keeps browsers from guessing another encoding.
    let content_type = match mime.essence_str() {
        text if text.starts_with("text/") || text == "application/javascript" => {
            HeaderValue::from_str(&format!("{text}; charset=utf-8")).ok()?
        }
        other => HeaderValue::from_str(other).ok()?,
    };
    let digest = Sha256::digest(&body);
    let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let etag = HeaderValue::from_str(&format!("\"{tag}\"")).ok()?;
    Some((
        CachedFile {
            body,
            content_type,
            etag,
        },
        folder,
    ))
}

fn respond(file: &CachedFile, if_none_match: Option<&HeaderValue>, head: bool) -> Response {
    let not_modified = if_none_match
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|tag| tag.trim().trim_start_matches("W/").as_bytes() == file.etag.as_bytes())
        });
    let (status, body) = if not_modified {
        (StatusCode::NOT_MODIFIED, Body::empty())
    } else if head {
        (StatusCode::OK, Body::empty())
    } else {
        (StatusCode::OK, Body::from(file.body.clone()))
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, file.content_type.clone());
    headers.insert(header::ETAG, file.etag.clone());
    if !not_modified {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.body.len()));
    }
    response
}

async fn serve_dir(state: &AppState, request: Request) -> Response {
    let dir = ServeDir::new(state.site_dir.as_path()).append_index_html_on_directories(true);
    match dir.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(infallible) => match infallible {},
    }
}
