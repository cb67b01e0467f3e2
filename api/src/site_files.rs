//! The published site, served from memory. tower-http's `ServeDir` reads every file through
//! tokio's blocking pool (metadata, open, reads: several thread hops per request), which held a
//! signed-in page view to about 2k requests/s on two cores; site files are small and read far
//! more often than they change, so each is read once and kept.
//!
//! The cache is keyed by the site's publication stamp (`.NAME.published` beside the folder,
//! new with every publish, whoever published: the in-process rebuild or a `tracebook build` run
//! by hand) and starts over when it changes. Not by the folder's inode: publishing swaps the
//! live folder with a spare, so every second publish brings the same inode back. Files above
//! [`MAX_FILE`], paths with percent-escapes, directories without their trailing slash and
//! anything but GET and HEAD go to `ServeDir`, which stays the reference behaviour.
//!
//! Symbolic links inside the site folder are never followed, on either path: a link placed
//! there (by a theme, a build step or a person) could serve any file the server can read.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
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

/// Which publication of the site entries were read from: its stamp, and the folder's (device,
/// inode) for sites published without a stamp (by an older version).
type Publication = (Option<String>, Option<(u64, u64)>);

#[derive(Default)]
struct Cache {
    /// The publication the entries were read from.
    folder: Option<Publication>,
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

    /// The cached file at `rel`, after dropping everything if the site was published again.
    fn get(&self, rel: &str) -> Option<Arc<CachedFile>> {
        let folder = Some(publication(&self.dir));
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

    fn keep(&self, rel: String, file: Arc<CachedFile>, folder: Option<Publication>) {
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

/// The site's current publication.
fn publication(dir: &Path) -> Publication {
    let stamp = tracebook_generator::publication_stamp(dir);
    let inode = std::fs::metadata(dir)
        .ok()
        .map(|meta| (meta.dev(), meta.ino()));
    (stamp, inode)
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

/// Reads `dir/rel` when it is a regular file no larger than [`MAX_FILE`] reached through no
/// symbolic link, with the publication as it was before the read (so a publish during the
/// read is not cached).
fn read(dir: &Path, rel: &str) -> Option<(CachedFile, Option<Publication>)> {
    let folder = Some(publication(dir));
    if passes_a_link(dir, Path::new(rel)) {
        return None;
    }
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

/// Whether `rel` (below `dir`) is or passes through a symbolic link, or leaves `dir`.
fn passes_a_link(dir: &Path, rel: &Path) -> bool {
    let mut path = dir.to_path_buf();
    for component in rel.components() {
        match component {
            Component::Normal(name) => path.push(name),
            Component::CurDir => continue,
            // `..`, a root or a prefix: not a path below the site.
            _ => return true,
        }
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => return true,
            Ok(_) => {}
            // Missing: nothing below it can be served either.
            Err(_) => return false,
        }
    }
    false
}

/// `ServeDir` decodes the path and follows links: a path that reaches a link is refused here.
async fn serve_dir(state: &AppState, request: Request) -> Response {
    let decoded = percent_encoding::percent_decode_str(request.uri().path()).collect::<Vec<u8>>();
    let rel = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&decoded));
    let rel = rel.strip_prefix("/").unwrap_or(&rel).to_path_buf();
    let dir = Arc::clone(&state.site_dir);
    let refused = tokio::task::spawn_blocking(move || passes_a_link(&dir, &rel))
        .await
        .unwrap_or(true);
    if refused {
        return StatusCode::NOT_FOUND.into_response();
    }
    let dir = ServeDir::new(state.site_dir.as_path()).append_index_html_on_directories(true);
    match dir.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(infallible) => match infallible {},
    }
}
