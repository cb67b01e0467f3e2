//! The route table: every route of the application as data (path, methods, who may reach it)
//! beside its handlers. The router is built from this table alone, so the tests that walk it
//! (the auth wall, the security headers, the OpenAPI document's coverage) see exactly the routes
//! the server answers and cannot drift from a hand-kept list.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;

use crate::state::AppState;

/// Who may reach a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in pages, `/healthz`, the signed git hook). The auth gate
    /// keeps its own list; the route walk test checks that both agree.
    Public,
    /// Only a signed-in user (a session or an API token); the handler checks the role.
    SignedIn,
}

/// One route: its path, the methods it answers, who may reach it, and its handlers.
pub(crate) struct Route {
    pub(crate) path: &'static str,
    pub(crate) access: Access,
    pub(crate) methods: Vec<Method>,
    pub(crate) handlers: MethodRouter<AppState>,
}

/// What the table says about a route, without its handlers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    /// The path as the router matches it (`{id}` for a path parameter).
    pub path: &'static str,
    /// The methods it answers (HEAD comes with GET); any other method is answered 405.
    pub methods: Vec<Method>,
    /// Who may reach it.
    pub access: Access,
}

impl Route {
    pub(crate) fn new(path: &'static str, access: Access) -> Route {
        Route {
            path,
            access,
            methods: Vec::new(),
            handlers: MethodRouter::new(),
        }
    }

    pub(crate) fn get<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Route {
        self.methods.push(Method::GET);
        self.handlers = self.handlers.get(handler);
        self
    }

    pub(crate) fn post<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Route {
        self.methods.push(Method::POST);
        self.handlers = self.handlers.post(handler);
        self
    }

    pub(crate) fn put<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Route {
        self.methods.push(Method::PUT);
        self.handlers = self.handlers.put(handler);
        self
    }

    pub(crate) fn delete<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Route {
        self.methods.push(Method::DELETE);
        self.handlers = self.handlers.delete(handler);
        self
    }

    pub(crate) fn spec(&self) -> RouteSpec {
        RouteSpec {
            path: self.path,
            methods: self.methods.clone(),
            access: self.access,
        }
    }
}

/// A router answering exactly `routes`.
pub(crate) fn router(routes: impl IntoIterator<Item = Route>) -> Router<AppState> {
    routes.into_iter().fold(Router::new(), |router, route| {
        router.route(route.path, route.handlers)
    })
}
