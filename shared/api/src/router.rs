//! Matching a method and path against the route table.

use std::collections::BTreeMap;

use http::Method;

use crate::routes::Route;

/// The result of matching a request.
pub enum Match<'a> {
    Found(&'a Route, BTreeMap<String, String>),
    /// The path exists with other methods.
    MethodNotAllowed(Vec<String>),
    NotFound,
}

enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

/// A router over a route table.
pub struct Router {
    routes: Vec<(Route, Vec<Segment>)>,
    /// Every method and path template of the whole table, split once.
    table: Vec<(&'static str, Vec<Segment>)>,
}

impl Router {
    /// A router for `routes`.
    pub fn new(routes: Vec<Route>) -> Self {
        let routes = routes
            .into_iter()
            .map(|route| {
                let segments = segments_of(route.path);
                (route, segments)
            })
            .collect();
        let table = crate::routes::paths::PATHS
            .iter()
            .map(|(method, template)| (*method, segments_of(template)))
            .collect();
        Self { routes, table }
    }

    /// The routes this router serves.
    pub fn routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().map(|(r, _)| r)
    }

    /// Finds the route for `method` and `path`; literal segments beat parameters. The path
    /// resolves to its template first, across every route of the table (even those this
    /// router does not serve, as in a Lambda function holding one route), then the method: so
    /// `GET /internal/pr-intel/ingest` is a 405 (the path is `POST`'s), not a `GET` of
    /// `/internal/pr-intel/{pr_number}`.
    pub fn find(&self, method: &Method, path: &str) -> Match<'_> {
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        if let Some(allow) = owned_by_other_methods(&self.table, method, &parts) {
            return Match::MethodNotAllowed(allow);
        }
        let mut best: Option<(usize, &Route, BTreeMap<String, String>)> = None;
        let mut allow: Vec<String> = Vec::new();
        for (route, segments) in &self.routes {
            let Some((literals, params)) = match_segments(segments, &parts) else {
                continue;
            };
            if route.method != *method {
                allow.push(route.method.to_string());
                continue;
            }
            if best.as_ref().is_none_or(|(l, _, _)| literals > *l) {
                best = Some((literals, route, params));
            }
        }
        match best {
            Some((_, route, params)) => Match::Found(route, params),
            None if !allow.is_empty() => {
                allow.sort();
                allow.dedup();
                Match::MethodNotAllowed(allow)
            }
            None => Match::NotFound,
        }
    }
}

/// The methods of the most specific template in the whole table that `parts` match, when
/// `method` is not one of them and a less specific template of `method` would otherwise take
/// the request.
fn owned_by_other_methods(
    table: &[(&'static str, Vec<Segment>)],
    method: &Method,
    parts: &[&str],
) -> Option<Vec<String>> {
    let mut best = 0;
    let mut owners: Vec<(usize, &str)> = Vec::new();
    let mut this_method = None;
    for (m, segments) in table {
        let Some((literals, _)) = match_segments(segments, parts) else {
            continue;
        };
        if *m == method.as_str() {
            this_method = this_method.max(Some(literals));
        } else {
            best = best.max(literals);
            owners.push((literals, m));
        }
    }
    let this_method = this_method?;
    if best <= this_method {
        return None;
    }
    let mut allow: Vec<String> = owners
        .into_iter()
        .filter(|(l, _)| *l == best)
        .map(|(_, m)| m.to_owned())
        .collect();
    allow.sort();
    allow.dedup();
    Some(allow)
}

fn segments_of(path: &'static str) -> Vec<Segment> {
    path.split('/')
        .skip(1)
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name),
                None => Segment::Literal(s),
            },
        )
        .collect()
}

fn match_segments(
    segments: &[Segment],
    parts: &[&str],
) -> Option<(usize, BTreeMap<String, String>)> {
    if segments.len() != parts.len() {
        return None;
    }
    let mut literals = 0;
    let mut params = BTreeMap::new();
    for (segment, part) in segments.iter().zip(parts) {
        match segment {
            Segment::Literal(l) if l == part => literals += 1,
            Segment::Literal(_) => return None,
            Segment::Param(_) if part.is_empty() => return None,
            Segment::Param(name) => {
                params.insert((*name).to_owned(), (*part).to_owned());
            }
        }
    }
    Some((literals, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: Method, path: &'static str) -> Route {
        Route::new(
            method,
            path,
            "f",
            "A test route.",
            crate::state::not_found_handler,
        )
    }

    #[test]
    fn paths_match_literals_first_then_parameters() {
        let router = Router::new(vec![
            route(Method::GET, "/api/v1/projects/{id}"),
            route(Method::GET, "/api/v1/projects/summary"),
            route(Method::PATCH, "/api/v1/projects/{id}"),
        ]);
        match router.find(&Method::GET, "/api/v1/projects/01ABC") {
            Match::Found(r, params) => {
                assert_eq!(r.path, "/api/v1/projects/{id}");
                assert_eq!(params["id"], "01ABC");
            }
            _ => panic!("expected a match"),
        }
        match router.find(&Method::GET, "/api/v1/projects/summary") {
            Match::Found(r, _) => assert_eq!(r.path, "/api/v1/projects/summary"),
            _ => panic!("expected the literal route"),
        }
        match router.find(&Method::DELETE, "/api/v1/projects/01ABC") {
            Match::MethodNotAllowed(allow) => assert_eq!(allow, ["GET", "PATCH"]),
            _ => panic!("expected 405"),
        }
        assert!(matches!(
            router.find(&Method::GET, "/api/v1/projects/"),
            Match::NotFound
        ));
        assert!(matches!(
            router.find(&Method::GET, "/nope"),
            Match::NotFound
        ));
    }

    #[test]
    fn a_path_owned_by_another_method_is_405_even_where_a_parameter_would_match() {
        // As in the Lambda function serving `GET /internal/pr-intel/{pr_number}` alone.
        let router = Router::new(vec![route(Method::GET, "/internal/pr-intel/{pr_number}")]);
        match router.find(&Method::GET, "/internal/pr-intel/ingest") {
            Match::MethodNotAllowed(allow) => assert_eq!(allow, ["POST"]),
            _ => panic!("expected 405"),
        }
        match router.find(&Method::GET, "/internal/pr-intel/42") {
            Match::Found(r, params) => {
                assert_eq!(r.path, "/internal/pr-intel/{pr_number}");
                assert_eq!(params["pr_number"], "42");
            }
            _ => panic!("expected the parameter route"),
        }
    }
}
