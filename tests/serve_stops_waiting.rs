//! `serve` stops promptly on SIGTERM or SIGINT even while a scrape waits out a long
//! politeness delay: the wait ends with the signal, it is not sat out.

mod support;

use std::time::Duration;

use support::faulty::Faulty;
use support::Serve;

/// Far below the 40 s politeness delay the scrape is waiting out, generous for a loaded
/// machine.
const PROMPTLY: Duration = Duration::from_secs(10);

fn config(origin: &Faulty, dir: &std::path::Path) -> std::path::PathBuf {
    let text = format!(
        r#"[[site]]
id = "faulty"
base_url = "{}"
min_delay = "40s"

[site.listing]
type = "html"
items = "ul.news li"

[site.listing.fields]
link = {{ css = "a", attr = "href" }}

[[site.section]]
id = "news"
path = "/ok"
interval = "1h"
"#,
        origin.url("")
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn sigterm_and_sigint_end_a_politeness_wait() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let origin = Faulty::start();
        let dir = tempfile::tempdir().unwrap();
        let mut serve = Serve::start(&config(&origin, dir.path()));
        // robots.txt is read at once; the listing then waits 40 s behind it.
        origin
            .wait_for_hits("/robots.txt", 1, Duration::from_secs(30))
            .await;
        serve.signal(signal);
        let status = serve.wait_exit(PROMPTLY);
        assert!(status.success(), "signal {signal}: exited with {status}");
        assert!(
            origin.hits_of("/ok").is_empty(),
            "signal {signal}: the listing was asked for after the signal"
        );
    }
}
