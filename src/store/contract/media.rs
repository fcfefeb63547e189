//! What the feeds show besides entries: a site's icons, the facts of lead images.

use chrono::{TimeZone, Utc};

use super::{contract, Stores};
use crate::model::{ImageFacts, SiteIcons};

contract!(
    icons_round_trip_and_are_replaced,
    images_are_known_once_recorded_and_unused_old_ones_go,
);

fn icons_round_trip_and_are_replaced(stores: &mut Stores) {
    let store = stores.open().shared();
    assert_eq!(store.site_icons("tass").unwrap(), None);
    let at = Utc.with_ymd_and_hms(2025, 6, 13, 12, 0, 0).unwrap();
    let icons = SiteIcons {
        icon: Some("https://tass.com/favicon.ico".into()),
        logo: None,
    };
    store.record_site_icons("tass", &icons, at).unwrap();
    assert_eq!(store.site_icons("tass").unwrap(), Some((icons, at)));
    let later = at + chrono::Duration::days(1);
    store
        .record_site_icons("tass", &SiteIcons::default(), later)
        .unwrap();
    assert_eq!(
        store.site_icons("tass").unwrap(),
        Some((SiteIcons::default(), later))
    );
}

fn images_are_known_once_recorded_and_unused_old_ones_go(stores: &mut Stores) {
    let store = stores.open().shared();
    let at = Utc.with_ymd_and_hms(2025, 6, 13, 12, 0, 0).unwrap();
    let jpeg = ImageFacts {
        length: Some(1234),
        mime: Some("image/jpeg".into()),
    };
    store
        .record_images(
            &[
                ("https://a/1.jpg".into(), jpeg.clone()),
                ("https://a/2.jpg".into(), ImageFacts::default()),
            ],
            at,
        )
        .unwrap();
    let found = store
        .image_facts(&["https://a/1.jpg", "https://a/2.jpg", "https://a/3.jpg"])
        .unwrap();
    assert_eq!(found.len(), 2, "a failed HEAD is remembered too");
    assert_eq!(
        found["https://a/1.jpg"].enclosure(),
        Some((1234, "image/jpeg"))
    );
    assert_eq!(found["https://a/2.jpg"].enclosure(), None);
    // Two months on, no entry shows them: recording another removes them.
    let later = at + chrono::Duration::days(60);
    store
        .record_images(&[("https://a/3.jpg".into(), jpeg)], later)
        .unwrap();
    let found = store
        .image_facts(&["https://a/1.jpg", "https://a/3.jpg"])
        .unwrap();
    assert_eq!(found.keys().collect::<Vec<_>>(), ["https://a/3.jpg"]);
}
