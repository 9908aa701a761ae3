//! The kiosk window's watch: five times a second it checks that the window is shown, not
//! minimised, full screen and focused; when it is not (a window-manager shortcut, another
//! client, a minimise request), it tells the station's [`WindowGuard`] — the countdown in
//! progress pauses and the answer is flagged for the reviewer — and puts the window back.
//!
//! Full screen and focus are expected only once they have been seen: a bare X server without a
//! window manager honours neither, and the kiosk must still run there (where the window covers
//! the screen by its size, see `app::run`). Being shown and not minimised is expected always.

use std::time::Duration;

/// How often the window is checked (a departure is seen and undone within this).
pub const PERIOD: Duration = Duration::from_millis(200);

/// What the window system says about the kiosk window at one check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub shown: bool,
    pub minimised: bool,
    pub fullscreen: bool,
    pub focused: bool,
}

/// Why the window is not where it must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Away {
    Hidden,
    Minimised,
    NotFullscreen,
    Unfocused,
}

impl Away {
    fn as_str(self) -> &'static str {
        match self {
            Away::Hidden => "hidden",
            Away::Minimised => "minimised",
            Away::NotFullscreen => "not full screen",
            Away::Unfocused => "not focused",
        }
    }
}

/// What this window system has shown it honours (see the module's comment).
#[derive(Clone, Copy, Debug, Default)]
pub struct Expected {
    fullscreen: bool,
    focused: bool,
}

impl Expected {
    /// Judges one check: `None` when the window is where it must be.
    pub fn judge(&mut self, seen: Seen) -> Option<Away> {
        let good = seen.shown && !seen.minimised;
        // Only a window in front teaches what the window system honours.
        if good {
            self.fullscreen |= seen.fullscreen;
            self.focused |= seen.focused;
        }
        if !seen.shown {
            Some(Away::Hidden)
        } else if seen.minimised {
            Some(Away::Minimised)
        } else if self.fullscreen && !seen.fullscreen {
            Some(Away::NotFullscreen)
        } else if self.focused && !seen.focused {
            Some(Away::Unfocused)
        } else {
            None
        }
    }
}

/// Starts the watch of the kiosk window (on the main thread, from the app's set-up).
#[cfg(target_os = "linux")]
pub fn install(window: &tauri::WebviewWindow, guard: std::sync::Arc<capture::kiosk::WindowGuard>) -> tauri::Result<()> {
    use gtk::gdk::WindowState;
    use gtk::prelude::*;

    let gtk_window = window.gtk_window()?;
    let mut expected = Expected::default();
    let mut away: Option<Away> = None;
    gtk::glib::timeout_add_local(PERIOD, move || {
        let gdk = gtk_window.window();
        let state = gdk.as_ref().map(|w| w.state()).unwrap_or(WindowState::WITHDRAWN);
        let seen = Seen {
            shown: gtk_window.is_mapped()
                && gdk.as_ref().is_some_and(|w| w.is_viewable())
                && !state.contains(WindowState::WITHDRAWN),
            minimised: state.contains(WindowState::ICONIFIED),
            fullscreen: state.contains(WindowState::FULLSCREEN),
            focused: gtk_window.is_active(),
        };
        let now = expected.judge(seen);
        match (away, now) {
            (None, Some(why)) => {
                tracing::warn!(why = why.as_str(), "the kiosk window left the front; putting it back");
                guard.left();
            }
            (Some(_), None) => {
                tracing::info!("the kiosk window is back in front");
                guard.back();
            }
            _ => {}
        }
        away = now;
        if now.is_some() {
            // Everything a departure may have undone: mapped, not minimised, full screen, above
            // other windows, focused.
            if let Some(gdk) = gdk.as_ref() {
                gdk.show();
            }
            gtk_window.deiconify();
            gtk_window.show();
            gtk_window.fullscreen();
            gtk_window.set_keep_above(true);
            gtk_window.present();
        }
        gtk::glib::ControlFlow::Continue
    });
    Ok(())
}

/// Starts the watch of the kiosk page's process: when it ends (a crash, the system killing it
/// for memory), the countdown in progress waits (`WindowGuard::page_lost`; an answer being
/// recorded keeps a `page_lost` event), the loss is audited, and the page is reloaded — it asks
/// `kiosk_status` where the visit stands and takes it up again (`kiosk_resume`). A page lost
/// more than three times in a minute is reloaded after 5 s, so a page that cannot live does not
/// take the machine's processors with it.
#[cfg(target_os = "linux")]
pub fn install_page_watch(window: &tauri::WebviewWindow, state: crate::state::AppState) -> tauri::Result<()> {
    use std::time::Instant;
    use webkit2gtk::WebViewExt;

    window.with_webview(move |webview| {
        let recent = std::cell::RefCell::new(Vec::<Instant>::new());
        webview.inner().connect_web_process_terminated(move |view, reason| {
            tracing::error!(?reason, "the kiosk page's process ended; reloading the page");
            state.station.guard().page_lost();
            let audit_state = state.clone();
            std::thread::spawn(move || audit_page_lost(&audit_state));
            let now = Instant::now();
            let mut recent = recent.borrow_mut();
            recent.retain(|at| now.duration_since(*at) < Duration::from_secs(60));
            recent.push(now);
            let delay = if recent.len() > 3 { Duration::from_secs(5) } else { Duration::ZERO };
            let view = view.clone();
            gtk::glib::timeout_add_local_once(delay, move || view.reload());
        });
    })
}

/// The audit entry of a lost page outside an answer (one during an answer is the answer's
/// `capture.page_lost`). A station of a hub has no vault here: its log has it.
fn audit_page_lost(state: &crate::state::AppState) {
    if state.station.is_busy() || state.is_hub_station() {
        return;
    }
    let interview = state.visit.lock().ok().and_then(|v| v.as_ref().map(|v| v.plan.interview_id));
    if let Err(error) =
        state.with_session(|vault, session| Ok(vault.record_kiosk_event(session, interview, "page_lost")?))
    {
        tracing::warn!(%error, "the lost kiosk page could not be audited");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn install_page_watch(_window: &tauri::WebviewWindow, _state: crate::state::AppState) -> tauri::Result<()> {
    tracing::warn!("the kiosk page's watch is built for Linux only");
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn install(
    _window: &tauri::WebviewWindow,
    _guard: std::sync::Arc<capture::kiosk::WindowGuard>,
) -> tauri::Result<()> {
    tracing::warn!("the kiosk window's watch is built for Linux only");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRONT: Seen = Seen { shown: true, minimised: false, fullscreen: true, focused: true };

    #[test]
    fn hidden_or_minimised_is_always_away() {
        let mut e = Expected::default();
        assert_eq!(e.judge(Seen { shown: false, ..FRONT }), Some(Away::Hidden));
        assert_eq!(e.judge(Seen { minimised: true, ..FRONT }), Some(Away::Minimised));
    }

    #[test]
    fn full_screen_and_focus_count_once_the_window_system_has_shown_them() {
        // A bare X server: never full screen, never focused — and never away for it.
        let mut bare = Expected::default();
        let plain = Seen { shown: true, minimised: false, fullscreen: false, focused: false };
        for _ in 0..3 {
            assert_eq!(bare.judge(plain), None);
        }
        // A window manager: once seen in front, losing either is a departure.
        let mut wm = Expected::default();
        assert_eq!(wm.judge(FRONT), None);
        assert_eq!(wm.judge(Seen { fullscreen: false, ..FRONT }), Some(Away::NotFullscreen));
        assert_eq!(wm.judge(Seen { focused: false, ..FRONT }), Some(Away::Unfocused));
        assert_eq!(wm.judge(FRONT), None);
        // What a minimised window reports teaches nothing.
        let mut first = Expected::default();
        assert_eq!(first.judge(Seen { minimised: true, ..FRONT }), Some(Away::Minimised));
        assert_eq!(first.judge(Seen { fullscreen: false, focused: false, ..FRONT }), None);
    }
}
