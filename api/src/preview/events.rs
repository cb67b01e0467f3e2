//! `GET /_tracebook/events`: one server-sent `build` event per finished build, for the pages'
//! live-reload script. A stream ends when the server stops (see [`Hub::stop_streams`]).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::PreviewState;
use super::hub::{BuildEvent, Hub};

/// How soon a page reconnects after the stream broke (the preview restarting, say).
const RETRY: Duration = Duration::from_secs(1);

/// The event stream of one page.
pub(crate) async fn build_events(
    State(state): State<PreviewState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let hello = Event::default().retry(RETRY).comment("tracebook preview");
    let first = futures_util::stream::once(async move { Ok(hello) });
    let builds = futures_util::stream::unfold(
        (state.hub.clone(), state.hub.subscribe()),
        |(hub, mut receiver)| async move {
            let event = next_build(&hub, &mut receiver).await?;
            Some((Ok(to_sse(&event)), (hub, receiver)))
        },
    );
    Sse::new(futures_util::StreamExt::chain(first, builds)).keep_alive(KeepAlive::default())
}

/// The next build event, or `None` when the server stops.
async fn next_build(
    hub: &Hub,
    receiver: &mut tokio::sync::broadcast::Receiver<BuildEvent>,
) -> Option<BuildEvent> {
    loop {
        tokio::select! {
            () = hub.stopped() => return None,
            received = receiver.recv() => match received {
                Ok(event) => return Some(event),
                // Missed builds: the next one received still says what to do.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return None,
            },
        }
    }
}

fn to_sse(event: &BuildEvent) -> Event {
    let data = serde_json::to_string(event).unwrap_or_else(|_| String::from("{}"));
    Event::default().event("build").data(data)
}
