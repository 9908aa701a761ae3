//! `media://localhost/<media id>`: recording segments for the review screen's player, decrypted
//! in memory on request and never written to disk in the clear. Only the staff window may ask,
//! only while someone who may view interviews is signed in, and only for video segments; the
//! vault audited the opening of the answer's playlist (`media.play`).
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

fn status(code: StatusCode) -> Response<Vec<u8>> {
    Response::builder().status(code).header(header::CACHE_CONTROL, "no-store").body(Vec::new()).unwrap_or_default()
}

pub fn handle(ctx: UriSchemeContext<'_, Wry>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
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
    std::thread::spawn(move || {
        let result = state.with_session(|vault, session| {
            if !vault.is_playable(id)? {
                return Ok(None);
            }
            let mut bytes = Vec::new();
            vault.read_media(session, id, &mut bytes)?;
            Ok::<_, ShellError>(Some(bytes))
        });
        let response = match result {
            Ok(Some(bytes)) => {
                // Any origin, as Tauri's own `ipc:` protocol answers: only this app's webviews
                // can reach the scheme, and the window was checked above (WebKitGTK does not
                // always send an Origin header with custom-scheme requests).
                let builder = Response::builder()
                    .status(StatusCode::OK)
                    .header(header::CONTENT_TYPE, "video/webm")
                    .header(header::CACHE_CONTROL, "no-store")
                    .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
                builder.body(bytes).unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
            }
            Ok(None) => status(StatusCode::NOT_FOUND),
            Err(error) => {
                tracing::warn!(code = interview::UserFacing::code(&error), "media request refused");
                status(StatusCode::FORBIDDEN)
            }
        };
        responder.respond(response);
    });
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
}
