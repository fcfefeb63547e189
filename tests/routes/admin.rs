//! "Scrape now" and the operator's sign-in: every status of `/admin/…`, for scripts (a bearer
//! token) and browsers (a session cookie and an anti-forgery field), and what the index page
//! offers each visitor.

use scrapefeed::app::ScrapeNow;
use serde_json::Value;

use super::support::routes::{save, Answer, InProcess};
use super::{stored, CONFIG, PUBLIC};

const TOKEN: &str = "s3cret-operator-token-0123";
const SCRAPE: &str = "/admin/sections/world/scrape";
const BEARER: &str = "Bearer s3cret-operator-token-0123";
const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

async fn with_token() -> InProcess {
    let config = CONFIG.replace(
        "[server]\n",
        &format!("[server]\nadmin_token = \"{TOKEN}\"\n"),
    );
    InProcess::open(&config, |store| {
        for (section, entries) in stored() {
            save(store, section, &entries);
        }
    })
    .await
}

fn json(answer: &Answer) -> Value {
    assert_eq!(answer.header("content-type"), "application/json");
    serde_json::from_slice(&answer.body).unwrap()
}

/// The `Scrape now` forms of the index page: (action, csrf).
fn scrape_forms(html: &str) -> Vec<(String, String)> {
    let page = scraper::Html::parse_document(html);
    let forms = scraper::Selector::parse("form.scrape").unwrap();
    let csrf = scraper::Selector::parse("input[name=csrf]").unwrap();
    page.select(&forms)
        .map(|form| {
            let action = form.value().attr("action").unwrap().to_string();
            let field = form.select(&csrf).next().expect("a csrf field");
            (action, field.value().attr("value").unwrap().to_string())
        })
        .collect()
}

#[tokio::test]
async fn without_a_token_there_are_no_admin_routes_and_no_buttons() {
    let routes = super::routes().await;
    for path in [
        SCRAPE,
        "/admin/sections/nope/scrape",
        "/admin/login",
        "/admin/logout",
    ] {
        let answer = routes
            .request("POST", path, &[("authorization", BEARER)])
            .await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.text(), "not found: the list of feeds is at /\n");
    }
    let page = routes.get("/").await.text();
    assert!(scrape_forms(&page).is_empty());
    assert!(!page.contains("Scrape now") && !page.contains("Operator sign-in"));
}

#[tokio::test]
async fn a_script_starts_a_scrape_with_the_token_and_a_second_one_joins() {
    let routes = with_token().await;
    let answer = routes
        .request("POST", SCRAPE, &[("authorization", BEARER)])
        .await;
    assert_eq!(answer.status, 202, "{}", answer.text());
    assert_eq!(answer.header("cache-control"), "no-store");
    let body = json(&answer);
    assert_eq!(body["section"], "world");
    assert_eq!(body["scrape"], "started");
    // Asked for and not begun yet: the next request rides on it.
    let again = routes
        .request(
            "POST",
            SCRAPE,
            &[("authorization", "bearer  s3cret-operator-token-0123")],
        )
        .await;
    assert_eq!(again.status, 202);
    assert_eq!(json(&again)["scrape"], "joined");
    // The section now shows as due.
    let health = routes.app().health("world");
    assert!(health.next_run.unwrap() <= chrono::Utc::now());
}

#[tokio::test]
async fn a_request_while_the_section_is_scraping_joins_the_running_scrape() {
    let routes = with_token().await;
    let app = routes.app();
    let since = chrono::DateTime::parse_from_rfc3339("2026-06-12T08:30:00Z")
        .unwrap()
        .to_utc();
    // What the scheduler's loop does when its time comes.
    let running = app.trigger("world").unwrap().begin(since);
    let answer = routes
        .request("POST", SCRAPE, &[("authorization", BEARER)])
        .await;
    assert_eq!(answer.status, 202);
    let body = json(&answer);
    assert_eq!(body["scrape"], "joined");
    assert_eq!(body["running_since"], "2026-06-12T08:30:00Z");
    drop(running);
    assert_eq!(app.scrape_now("world"), Some(ScrapeNow::Started));
}

#[tokio::test]
async fn missing_wrong_and_foreign_credentials_are_refused_never_500() {
    let routes = with_token().await;
    for headers in [&[][..], &[("authorization", "Basic b3BlcmF0b3I6cHc=")][..]] {
        let answer = routes.request("POST", SCRAPE, headers).await;
        assert_eq!(answer.status, 401, "{headers:?}");
        assert_eq!(
            answer.header("www-authenticate"),
            "Bearer realm=\"scrapefeed\""
        );
        assert!(answer.text().contains("Authorization: Bearer TOKEN"));
    }
    for wrong in [
        "Bearer nope",
        "Bearer ",
        "Bearer s3cret-operator-token-012",
        "Bearer s3cret-operator-token-01234",
    ] {
        let answer = routes
            .request("POST", SCRAPE, &[("authorization", wrong)])
            .await;
        assert_eq!(answer.status, 403, "{wrong}");
        assert!(!answer.text().contains(TOKEN));
    }
    let unknown = routes
        .request(
            "POST",
            "/admin/sections/nope/scrape",
            &[("authorization", BEARER)],
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.text(), "no section \"nope\" in the config\n");
    let get = routes
        .request("GET", SCRAPE, &[("authorization", BEARER)])
        .await;
    assert_eq!(get.status, 405);
    assert_eq!(get.header("allow"), "POST");
    let huge = "x".repeat(100_000);
    let answer = routes
        .request_with_body("POST", SCRAPE, &[("authorization", BEARER), FORM], &huge)
        .await;
    assert_eq!(answer.status, 413);
    // Nothing was asked for by any of these.
    assert_eq!(routes.app().scrape_now("world"), Some(ScrapeNow::Started));
}

/// Signs in with the form and returns the cookie (`name=value`).
async fn sign_in(routes: &InProcess) -> String {
    let answer = routes
        .request_with_body("POST", "/admin/login", &[FORM], &format!("token={TOKEN}"))
        .await;
    assert_eq!(answer.status, 303, "{}", answer.text());
    assert_eq!(answer.header("location"), PUBLIC);
    let cookie = answer.header("set-cookie").to_string();
    assert!(!cookie.contains(TOKEN), "the cookie never holds the token");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/sf/", "Max-Age=604800"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "public_url is http: {cookie}");
    cookie.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn a_browser_signs_in_then_scrapes_with_forms_that_other_sites_cannot_forge() {
    let routes = with_token().await;
    // Signed out: the sign-in form, no buttons.
    let page = routes.get("/").await.text();
    let html = scraper::Html::parse_document(&page);
    let login = scraper::Selector::parse("form[method=post] input[name=token]").unwrap();
    assert!(page.contains("Operator sign-in") && html.select(&login).next().is_some());
    let actions = super::pages_links(&page, "form[method=post]", "action");
    assert_eq!(actions, [format!("{PUBLIC}admin/login")]);
    assert!(scrape_forms(&page).is_empty());
    let wrong = routes
        .request_with_body("POST", "/admin/login", &[FORM], "token=guess")
        .await;
    assert_eq!(wrong.status, 403);
    assert!(wrong.headers.get("set-cookie").is_none());

    let cookie = sign_in(&routes).await;
    let signed_in = routes.request("GET", "/", &[("cookie", &cookie)]).await;
    // The page holds this session's anti-forgery value: no shared cache may keep it.
    assert_eq!(signed_in.header("cache-control"), "private, no-cache");
    assert_eq!(signed_in.header("vary"), "Cookie");
    let page = signed_in.text();
    let forms = scrape_forms(&page);
    let sections: Vec<&str> = forms.iter().map(|(action, _)| action.as_str()).collect();
    assert_eq!(
        sections,
        ["world", "science", "essays"].map(|s| format!("{PUBLIC}admin/sections/{s}/scrape")),
        "one button per section, none for merged feeds"
    );
    let csrf = forms[0].1.clone();
    assert!(!csrf.is_empty() && !page.contains(TOKEN));

    let post = |headers: Vec<(&'static str, String)>, body: String| {
        let routes = &routes;
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            routes
                .request_with_body("POST", SCRAPE, &headers, &body)
                .await
        }
    };
    let with_cookie = |extra: &[(&'static str, &str)]| {
        let mut headers = vec![("cookie", cookie.clone()), (FORM.0, FORM.1.to_string())];
        headers.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        headers
    };
    // The anti-forgery field: missing, wrong, or another session's.
    for body in [
        String::new(),
        "csrf=".into(),
        format!("csrf={}", &csrf[1..]),
        "csrf=0".repeat(2),
    ] {
        let answer = post(with_cookie(&[]), body.clone()).await;
        assert_eq!(answer.status, 403, "{body:?}");
        assert!(answer.text().contains("anti-forgery"));
    }
    let other_session = sign_in(&routes).await;
    let answer = post(
        vec![("cookie", other_session), (FORM.0, FORM.1.into())],
        format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(answer.status, 403, "a csrf belongs to its own session");
    // Sent from another site's page, even with a good field (a cookie that leaked).
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("referer", "https://evil.example/page"),
        ("origin", "null"),
    ] {
        let answer = post(with_cookie(&[(name, value)]), format!("csrf={csrf}")).await;
        assert_eq!(answer.status, 403, "{name}: {value}");
        assert!(answer.text().contains("another site"));
    }
    // A forged or stale cookie is no session.
    let answer = post(
        vec![
            ("cookie", "scrapefeed_session=1.2.3".into()),
            (FORM.0, FORM.1.into()),
        ],
        format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(answer.status, 401);

    // From the page itself: accepted, and back to the section's card.
    let answer = post(
        with_cookie(&[("origin", "http://feeds.example.test")]),
        format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.text());
    assert_eq!(answer.header("location"), format!("{PUBLIC}#feed-world"));
    assert_eq!(
        routes.app().scrape_now("world"),
        Some(ScrapeNow::Joined {
            running_since: None
        }),
        "the form asked for the scrape"
    );

    // Signing out clears the cookie.
    let answer = routes
        .request_with_body(
            "POST",
            "/admin/logout",
            &with_cookie(&[])
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(answer.status, 303);
    assert!(answer
        .header("set-cookie")
        .starts_with("scrapefeed_session=; "));
    assert!(answer.header("set-cookie").contains("Max-Age=0"));
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_server_is_public_over_https() {
    let config = CONFIG.replace(
        "[server]\npublic_url = \"http://feeds.example.test/sf/\"\n",
        &format!(
            "[server]\npublic_url = \"https://feeds.example.test/\"\nadmin_token = \"{TOKEN}\"\n"
        ),
    );
    let routes = InProcess::open(&config, |_| {}).await;
    let answer = routes
        .request_with_body("POST", "/admin/login", &[FORM], &format!("token={TOKEN}"))
        .await;
    assert_eq!(answer.status, 303);
    let cookie = answer.header("set-cookie");
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Strict; Secure"),
        "{cookie}"
    );
    assert!(cookie.contains("; Path=/;"), "{cookie}");
}
