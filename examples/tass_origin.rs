//! Serves the local copy of tass.com used by the tests, for trying scrapefeed by hand:
//!
//! ```sh
//! cargo run --example tass_origin            # prints the address, serves until Ctrl-C
//! sed 's#https://tass.com#http://127.0.0.1:PORT#' config.toml > /tmp/local.toml
//! cargo run -- --config /tmp/local.toml scrape
//! ```
//!
//! `--new-years-eve` adds the printed `December 31, 23:41 UTC+3` article without a listing date.

#[path = "../tests/support/origin.rs"]
#[allow(dead_code)]
mod origin;

fn main() {
    let mut model = origin::SiteModel::tass();
    if std::env::args().any(|a| a == "--new-years-eve") {
        model.articles.push(origin::SiteModel::new_years_eve());
    }
    let server = origin::Origin::start(model);
    println!("{}", server.base_url());
    loop {
        std::thread::park();
    }
}
