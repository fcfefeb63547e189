//! Bad configurations must fail with messages a self-hoster can act on: the key, the site or
//! section, and the line and column where the file says where. Each case is a complete,
//! minimal config written inline, so the expected positions can be read off the text.

use std::path::Path;
use std::time::Duration;

use scrapefeed::config::Config;

/// One bad config and the pieces its error message must contain.
struct Case {
    name: &'static str,
    config: &'static str,
    expect: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "feed cache sizes that are not sizes, or none",
        config: r#"[server]
feed_cache = "lots"

[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &[
            "line 2",
            "key `server.feed_cache`: \"lots\" is not a size like \"16 MiB\"",
        ],
    },
    Case {
        name: "an empty feed cache",
        config: r#"[server]
feed_cache = "0 B"

[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &["key `server.feed_cache`: \"0 B\" must be more than 0"],
    },
    Case {
        name: "retention ages too short or not durations",
        config: r#"[storage]
max_age = "90s"

[[site]]
id = "example"
base_url = "https://example.com"
max_age = "ninety days"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
max_age = "30m"
"#,
        expect: &[
            "line 2",
            "key `storage.max_age`: \"90s\" is shorter than an hour",
            "line 7",
            "site \"example\", key `max_age`: \"ninety days\" is not a duration",
            "line 18",
            "section \"news\", key `max_age`: \"30m\" is shorter than an hour",
        ],
    },
    Case {
        name: "section interval below the minimum",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
interval = "1s"
"#,
        expect: &[
            "section \"news\"",
            "key `interval`",
            "at least 10s",
            "line 14",
        ],
    },
    Case {
        name: "zero limits",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"
max_articles = 0

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
max_entries = 0
"#,
        expect: &[
            "key `max_articles`: must be at least 1",
            "section \"news\", key `max_entries`: must be at least 1",
        ],
    },
    Case {
        name: "attr next to a JSON path",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "json"
items = "items"

[site.listing.fields]
link = { path = "url", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &["key `listing.fields.link`", "give only `path`"],
    },
    Case {
        name: "a language that is not a tag",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"
language = "English please"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &["key `language`", "not a language tag", "line 4"],
    },
    Case {
        name: "unknown key in [[site]]",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"
timezon = "Europe/Moscow"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &[
            "unknown field `timezon`",
            "line 4, column 1",
            "did you mean `timezone`?",
        ],
    },
    Case {
        name: "unknown key in [site.listing]",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "json"
metod = "POST"
items = "items"

[site.listing.fields]
link = { path = "url" }

[[site.section]]
id = "news"
"#,
        expect: &[
            "unknown field `metod`",
            "line 7, column 1",
            "did you mean `method`?",
        ],
    },
    Case {
        name: "unknown key in an article source",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[site.article]
image = [{ css = "img", atr = "src" }]

[[site.section]]
id = "news"
"#,
        expect: &["unknown field `atr`", "line 13, column 25"],
    },
    Case {
        name: "invalid CSS selector",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "div[["

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &[
            "line 7, column 9",
            r#"site "example""#,
            "key `listing.items`",
            "`div[[` is not a valid CSS selector: unexpected `[` at column 5",
        ],
    },
    Case {
        name: "CSS selector with a doubled dot",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "div..lead"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &[
            "line 7, column 9",
            "key `listing.items`",
            "`div..lead` is not a valid CSS selector: unexpected `.` at column 5: a class name must follow `.`",
        ],
    },
    Case {
        name: "unknown pseudo-class",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "li:frist-child"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &["`:frist-child` at column 4 is not a pseudo-class"],
    },
    Case {
        name: "a count written as text",
        config: r#"[storage]
max_entries = "many"
"#,
        expect: &[
            "line 2, column 15",
            "expected a whole number",
            r#"max_entries = "many""#,
        ],
    },
    Case {
        name: "a duration written as a number",
        config: r#"[server]
shutdown_grace = 10
"#,
        expect: &[
            "line 2, column 18",
            r#"expected a duration like "15m" or "1h 30m", found the number `10`"#,
        ],
    },
    Case {
        name: "a list written as one string",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
include = "putin"
"#,
        expect: &["line 14, column 11", "expected a list in brackets"],
    },
    Case {
        name: "timezone that is not an IANA name",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"
timezone = "MSK"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &[
            "line 4, column 12",
            r#"site "example""#,
            "key `timezone`",
            r#""MSK" is not an IANA timezone name"#,
        ],
    },
    Case {
        name: "bad duration",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"
min_delay = "a little"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &[
            "line 4, column 13",
            "key `min_delay`",
            r#""a little" is not a duration"#,
        ],
    },
    Case {
        name: "template placeholder that a section does not provide",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "json"
url = "{{base_url}}/api/list?category={{category}}"
items = "items"

[site.listing.fields]
link = { path = "url" }

[[site.section]]
id = "news"
params = { category = 7 }

[[site.section]]
id = "world"
"#,
        expect: &[
            "{{category}} is not provided for section \"world\"",
            r#"site "example""#,
            "key `listing.url`",
            "`params.category`",
        ],
    },
    Case {
        name: "duplicate section id across sites",
        config: r#"[[site]]
id = "first"
base_url = "https://first.example"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"

[[site]]
id = "second"
base_url = "https://second.example"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &[
            r#"site "second""#,
            "key `section.id`",
            r#"section "news" is declared twice"#,
        ],
    },
    Case {
        name: "site id equal to a section id",
        config: r#"[[site]]
id = "news"
base_url = "https://first.example"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        expect: &[
            "line 2, column 6",
            "key `site.id`",
            r#"site "news" has the name of a section or of "all""#,
        ],
    },
    Case {
        name: "site id all",
        config: r#"[[site]]
id = "all"
base_url = "https://first.example"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "world"
"#,
        expect: &["key `site.id`", r#"site "all" has the name"#],
    },
    Case {
        name: "unknown listing type",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "rss"
items = "item"

[site.listing.fields]
link = { css = "link" }

[[site.section]]
id = "news"
"#,
        expect: &[
            "line 6, column 8",
            r#"type = "rss""#,
            "unknown variant `rss`, expected `html` or `json`",
        ],
    },
    Case {
        name: "unsupported listing method",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "json"
method = "PUT"
items = "items"

[site.listing.fields]
link = { path = "url" }

[[site.section]]
id = "news"
"#,
        expect: &["line 7, column 10", "unknown variant `PUT`, expected"],
    },
    Case {
        name: "unknown filter field",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
include = ["putin"]
filter_fields = ["title", "body"]
"#,
        expect: &[
            "line 15, column 27",
            "unknown variant `body`, expected one of `title`, `summary`, `tags`",
        ],
    },
    Case {
        name: "invalid header and template param",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.headers]
"Bad Name" = "x"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
params = { tags = ["a", "b"] }
"#,
        expect: &[
            "line 6, column 14",
            r#"key `headers.Bad Name`: "Bad Name": "x" is not a valid HTTP header"#,
            r#"line 17, column 19: site "example", section "news", key `params.tags`: must be a string or a number, not array"#,
        ],
    },
    Case {
        name: "JSON listing field without path",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "json"
items = "items"

[site.listing.fields]
link = { path = "url" }
title = { css = "h2" }

[[site.section]]
id = "news"
"#,
        expect: &[
            r#"site "example""#,
            "key `listing.fields.title`",
            "a JSON listing field needs `path",
        ],
    },
    Case {
        name: "attr together with html",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[site.article]
body = [{ css = ".text", attr = "data-text", html = true }]

[[site.section]]
id = "news"
"#,
        expect: &[
            "line 13, column 17",
            "key `article.body[0]`",
            "`attr` and `html` exclude each other",
        ],
    },
    Case {
        name: "source with both css and meta",
        config: r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[site.article]
title = [{ css = "h1", meta = "og:title" }]

[[site.section]]
id = "news"
"#,
        expect: &[
            r#"site "example""#,
            "key `article.title[0]`",
            "give exactly one of `css`, `meta`, `json_ld`",
        ],
    },
    Case {
        name: "empty config",
        config: "",
        expect: &["key `site`", "no [[site]] is declared"],
    },
    Case {
        name: "every problem is reported at once",
        config: r#"[scheduler]
jitter = 0.9

[[site]]
id = "example"
base_url = "https://example.com"
timezone = "Moscow"
interval = "soon"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }
"#,
        expect: &[
            "key `scheduler.jitter`: 0.9 is not between 0 and 0.5",
            "line 7, column 12",
            "key `timezone`",
            "line 8, column 12",
            "key `interval`",
            "the site declares no [[site.section]]",
        ],
    },
];

#[test]
fn bad_configs_give_clear_errors() {
    let mut failures = Vec::new();
    for case in CASES {
        let message = match Config::parse(case.config, Path::new(".")) {
            Ok(_) => {
                failures.push(format!("{}: the config was accepted", case.name));
                continue;
            }
            Err(err) => err.to_string(),
        };
        for expected in case.expect {
            if !message.contains(expected) {
                failures.push(format!(
                    "{}: {expected:?} is missing from the error:\n{message}",
                    case.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Columns must count characters, as the TOML parser's own errors do: an editor's "go to
/// column" lands on the bad value even when the line holds Cyrillic text before it.
#[test]
fn column_counts_characters_after_non_ascii_text() {
    let config = r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[site.article]
published = [{ meta = "дата" }, { css = "div[[" }]

[[site.section]]
id = "news"
"#;
    let message = Config::parse(config, Path::new("."))
        .expect_err("the selector is invalid")
        .to_string();
    // `"div[["` opens at the 41st character of line 13 (the 45th byte).
    assert!(message.contains("line 13, column 41"), "{message}");
}

#[test]
fn minimal_html_site_gets_the_defaults() {
    let config = r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article.card"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#;
    let raw = config;
    let config = Config::parse(config, Path::new(".")).expect("minimal config is valid");
    let site = &config.sites[0];
    let rules = &site.article;
    // No article field is declared: none has rules, and the generic article reader
    // (src/extract/generic) reads every one of them.
    assert_eq!(rules.all().count(), 0);
    for field in [
        "title",
        "summary",
        "body",
        "author",
        "tags",
        "image",
        "published",
        "updated",
    ] {
        assert!(rules.generic_reads(field), "{field}");
    }
    // An empty list turns a field off, for the generic reader too.
    let off = Config::parse(
        &raw.replace(
            "[[site.section]]",
            "[site.article]\nauthor = []\n\n[[site.section]]",
        ),
        Path::new("."),
    )
    .unwrap();
    assert!(!off.sites[0].article.generic_reads("author"));
    assert!(off.sites[0].article.generic_reads("title"));
    assert!(site.article.remove.is_empty());

    // The other defaults docs/config.md promises for an undeclared key.
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.public_url().as_str(), "http://127.0.0.1:8080/");
    assert_eq!(config.server.templates_dir, Path::new("./templates"));
    assert_eq!(config.storage.database, Path::new("./data/scrapefeed.db"));
    assert_eq!(
        config.storage.feeds_dir.as_deref(),
        Some(Path::new("./feeds"))
    );
    assert_eq!(config.storage.max_entries, 100);
    assert_eq!(config.scheduler.concurrency, 4);
    assert_eq!(config.scheduler.jitter, 0.1);
    assert_eq!(site.title, "example");
    assert_eq!(site.timezone, chrono_tz::Tz::UTC);
    assert!(site.language_tag.is_none());
    assert_eq!(site.min_delay, Duration::from_secs(1));
    assert_eq!(site.timeout, Duration::from_secs(30));
    assert_eq!(site.max_articles, 30);
    assert_eq!(site.listing.url.to_string(), "{{section_url}}");
    assert_eq!(site.listing.method.as_str(), "GET");
    assert!(site.listing.body.is_none());
    let section = &site.sections[0];
    assert_eq!(section.title, "news");
    assert_eq!(section.url.as_str(), "https://example.com/news");
    assert_eq!(section.interval, Duration::from_secs(15 * 60));
    assert_eq!(section.max_entries, 100);
    assert_eq!(section.max_age, None);
}

/// `max_age` flows storage → site → section, each level overriding the one above.
#[test]
fn max_age_is_inherited_and_overridden() {
    let config = Config::parse(
        r#"[storage]
max_age = "90d"

[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"

[[site.section]]
id = "sport"
max_age = "2weeks"
"#,
        Path::new("."),
    )
    .unwrap();
    let day = Duration::from_secs(86400);
    let ages: Vec<_> = config.sections().map(|(_, s)| s.max_age).collect();
    assert_eq!(ages, [Some(day * 90), Some(day * 14)]);
}

/// Any language tag names the feeds' language; the date reader falls back to trying every
/// language it knows when it does not know this one.
#[test]
fn unsupported_languages_are_accepted_for_the_feed_tag() {
    let config = Config::parse(
        r#"[[site]]
id = "example"
base_url = "https://example.com"
language = "pt-BR"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#,
        Path::new("."),
    )
    .unwrap();
    assert_eq!(config.sites[0].language_tag.as_deref(), Some("pt-BR"));
}

/// The method was read case-insensitively before it was an enum: the spellings configs use
/// still work.
#[test]
fn listing_method_accepts_upper_lower_and_title_case() {
    for (written, method) in [
        ("GET", "GET"),
        ("get", "GET"),
        ("Get", "GET"),
        ("POST", "POST"),
        ("post", "POST"),
        ("Post", "POST"),
    ] {
        let config = Config::parse(
            &format!(
                r#"[[site]]
id = "example"
base_url = "https://example.com"

[site.listing]
type = "json"
method = "{written}"
items = "items"

[site.listing.fields]
link = {{ path = "url" }}

[[site.section]]
id = "news"
"#
            ),
            Path::new("."),
        )
        .unwrap_or_else(|e| panic!("{written}: {e}"));
        assert_eq!(config.sites[0].listing.method.as_str(), method);
    }
}

/// `${NAME}` takes the variable's value in any string; a missing one is named with its key
/// and position, every one at once; `$${` is a literal.
#[test]
fn environment_variables_in_values() {
    let config = r#"[server]
public_url = "${PUBLIC_URL}"

[[site]]
id = "example"
base_url = "https://example.com"

[site.headers]
"Authorization" = "Bearer ${API_TOKEN}"
"X-Literal" = "$${NOT_A_VARIABLE}"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"
"#;
    let none = |_: &str| None;
    let message = Config::parse_with_env(config, Path::new("."), &none)
        .expect_err("the variables are not set")
        .to_string();
    for expected in [
        "line 2, column 14: key `server.public_url`: the environment variable `PUBLIC_URL` is not set",
        "line 9, column 19: key `site[0].headers.Authorization`: the environment variable `API_TOKEN` is not set",
    ] {
        assert!(message.contains(expected), "{expected:?} is missing:\n{message}");
    }
    assert!(!message.contains("NOT_A_VARIABLE"), "{message}");

    let set = |name: &str| match name {
        "PUBLIC_URL" => Some("https://feeds.example.org/".to_string()),
        "API_TOKEN" => Some("s3cret".to_string()),
        _ => None,
    };
    let config = Config::parse_with_env(config, Path::new("."), &set).unwrap();
    assert_eq!(config.public_url().as_str(), "https://feeds.example.org/");
    let headers = &config.sites[0].headers;
    assert_eq!(headers["authorization"], "Bearer s3cret");
    assert_eq!(headers["x-literal"], "${NOT_A_VARIABLE}");
}

/// Without `storage.database`, the database goes to systemd's state directory when there
/// is one, else to `data/` beside the config; never into `feeds/`.
#[test]
fn the_database_defaults_to_the_data_directory() {
    let config = "[[site]]\nid = \"example\"\nbase_url = \"https://example.com\"\n\n\
                  [site.listing]\ntype = \"html\"\nitems = \"article\"\n\n\
                  [site.listing.fields]\nlink = { css = \"a\", attr = \"href\" }\n\n\
                  [[site.section]]\nid = \"news\"\n";
    let none = |_: &str| None;
    let plain = Config::parse_with_env(config, Path::new("/srv/feeds"), &none).unwrap();
    assert_eq!(
        plain.storage.database,
        Path::new("/srv/feeds/data/scrapefeed.db")
    );
    let systemd = |name: &str| {
        (name == "STATE_DIRECTORY").then(|| "/var/lib/scrapefeed:/var/lib/x".to_string())
    };
    let managed = Config::parse_with_env(config, Path::new("/srv/feeds"), &systemd).unwrap();
    assert_eq!(
        managed.storage.database,
        Path::new("/var/lib/scrapefeed/scrapefeed.db")
    );
}
