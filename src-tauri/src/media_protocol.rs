//! `media://localhost/<media id>`: recording segments for the review screen's player, decrypted
//! in memory on request and never written to disk in the clear. Only the staff window may ask,
//! only while someone who may view interviews is signed in, only for video segments, and only
//! for segments of a playlist that person opened in this session (`review_playlist`, which the
//! vault audited as `media.play`): knowing a media id is not enough.
//!
//! The page fetches each ~2 s segment and plays it from a blob URL: WebKitGTK does not stream
//! `<video src>` from a custom scheme (WebKit bug 146351), but fetch() works.

use tauri::http::{Request, Response, StatusCode, header};
use tauri::{Manager, UriSchemeContext, UriSchemeResponder, Wry};

use crate::commands::guard::STAFF_WINDOW;
use crate::error::ShellError;
use crate::state::AppState;

pub const SCHEME: &str = "media";

/// The media id in `media://localhost/42` (Linux, macOS) or `http://media.localhost/42` (Windows).
fn media_id(request: &Request<Vec<u8>>) -> Option<i64> {
    request.uri().path().trim_start_matches('/').parse().ok().filter(|&id: &i64| id > 0)
}

/// A response to the app's page (`origin`), which may read it — a refusal too, so the player can
/// say that it was refused rather than that the network failed.
fn respond(code: StatusCode, origin: &'static str, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut builder = Response::builder()
        .status(code)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin)
        .header(header::VARY, "Origin");
    if code == StatusCode::OK {
        builder = builder.header(header::CONTENT_TYPE, "video/webm");
    }
    builder.body(body).unwrap_or_default()
}

/// The app's own page origins (Linux and macOS; Windows).
const APP_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

/// The one origin a response names as allowed: the app page's own. WebKitGTK does not always
/// send an Origin header with custom-scheme requests; then the app's origin on this platform.
fn allowed_origin(origin: Option<&str>) -> &'static str {
    APP_ORIGINS.into_iter().find(|o| Some(*o) == origin).unwrap_or(APP_ORIGINS[0])
}

pub fn handle(ctx: UriSchemeContext<'_, Wry>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let origin = allowed_origin(request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()));
    let status = |code| respond(code, origin, Vec::new());
    if ctx.webview_label() != STAFF_WINDOW {
        tracing::warn!(webview = ctx.webview_label(), "media refused to a window that is not the staff window");
        responder.respond(status(StatusCode::FORBIDDEN));
        return;
    }
    let Some(id) = media_id(&request) else {
        responder.respond(status(StatusCode::NOT_FOUND));
        return;
    };
    let state = ctx.app_handle().state::<AppState>().inner().clone();
    // A staff workstation: the hub checks the playlist and decrypts; the bytes stay in memory.
    if let Some(link) = state.workstation.clone() {
        std::thread::spawn(move || {
            let response = match link.media(id) {
                Ok(bytes) => respond(StatusCode::OK, origin, bytes),
                Err(error) => {
                    tracing::warn!(code = interview::UserFacing::code(&error), "media refused by the hub");
                    status(match &error {
                        office::OfficeError::Refused { status: 404, .. } => StatusCode::NOT_FOUND,
                        e if e.is_unreachable() => StatusCode::BAD_GATEWAY,
                        _ => StatusCode::FORBIDDEN,
                    })
                }
            };
            responder.respond(response);
        });
        return;
    }
    std::thread::spawn(move || {
        let response = match playable(&state, id) {
            Ok(Some(bytes)) => respond(StatusCode::OK, origin, bytes),
            Ok(None) => status(StatusCode::NOT_FOUND),
            Err(error) => {
                tracing::warn!(code = interview::UserFacing::code(&error), "media request refused");
                status(StatusCode::FORBIDDEN)
            }
        };
        responder.respond(response);
    });
}

/// Segment `id` decrypted in memory, if the signed-in person opened a playlist holding it in
/// this session (refused otherwise) and it is a video segment (`None` otherwise).
pub fn playable(state: &AppState, id: i64) -> Result<Option<Vec<u8>>, ShellError> {
    if !state.may_play(id) {
        tracing::warn!("media refused: not in a playlist opened in this session");
        return Err(ShellError::NotInPlaylist);
    }
    state.with_session(|vault, session| {
        if !vault.is_playable(id)? {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        vault.read_media(session, id, &mut bytes)?;
        Ok(Some(bytes))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_ids_come_from_the_path_only() {
        let req = |uri: &str| Request::builder().uri(uri).body(Vec::new()).unwrap();
        assert_eq!(media_id(&req("media://localhost/42")), Some(42));
        assert_eq!(media_id(&req("http://media.localhost/7")), Some(7));
        assert_eq!(media_id(&req("media://localhost/../vault.db")), None);
        assert_eq!(media_id(&req("media://localhost/0")), None);
    }

    #[test]
    fn only_the_apps_own_page_is_named_as_an_allowed_origin() {
        assert_eq!(allowed_origin(Some("tauri://localhost")), "tauri://localhost");
        assert_eq!(allowed_origin(Some("http://tauri.localhost")), "http://tauri.localhost");
        assert_eq!(allowed_origin(Some("https://evil.example")), "tauri://localhost");
        assert_eq!(allowed_origin(None), "tauri://localhost");
    }
}
