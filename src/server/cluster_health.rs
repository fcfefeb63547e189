//! `/healthz` of an instance in a cluster, on a real PostgreSQL (`store::pg::testdb`): the
//! instances on record and who holds each section's lease. Alone, neither key appears
//! (`tests/routes/health.rs` checks the single instance's answer).

use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::cluster::Cluster;
use crate::store::pg::testdb::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_shows_the_instances_and_each_sections_owner() {
    let Some(db) = TestDb::migrated() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = crate::config::Config::parse(
        r#"[[site]]
id = "example"
base_url = "http://127.0.0.1:9/"

[site.listing]
type = "html"
items = "article"

[site.listing.fields]
link = { css = "a", attr = "href" }

[[site.section]]
id = "news"

[[site.section]]
id = "sport"
"#,
        dir.path(),
    )
    .unwrap();
    let store = crate::store::SqliteStore::open(&config.storage.database).unwrap();
    let join = |id: &str| {
        Arc::new(
            Cluster::join_as(
                db.pool(2),
                db.target.clone(),
                id.into(),
                "host-1".into(),
                Duration::from_secs(60),
            )
            .unwrap(),
        )
    };
    let (me, other) = (join("me"), join("other"));
    other.declare(&["news".into()]).unwrap();
    me.declare(&["news".into(), "sport".into()]).unwrap();
    let view = other
        .blocking(|c| {
            c.claim(1)?;
            Ok((c.instances()?, c.leases()?))
        })
        .await
        .unwrap();
    let app = App::open_in_cluster(
        store,
        me,
        config,
        Arc::new(crate::clock::SystemClock),
        url::Url::parse("http://127.0.0.1:8080/").unwrap(),
        Default::default(),
    )
    .unwrap();
    app.absorb_cluster_view(view.0, view.1);
    let reply = super::healthz(app);
    let body: serde_json::Value = serde_json::from_slice(reply.body()).unwrap();
    let ids: Vec<&str> = body["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["me", "other"]);
    assert_eq!(body["instances"][0]["live"], true);
    assert_eq!(body["instances"][0]["hostname"], "host-1");
    assert_eq!(body["sections"]["news"]["owner"], "other");
    assert!(body["sections"]["news"]["next_run"].is_string());
    assert!(
        body["sections"]["sport"].get("owner").is_none(),
        "nobody holds it"
    );
}
