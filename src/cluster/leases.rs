//! The leases: one row per section, holding when it is next due, who scrapes it now and
//! until when. A due, free section is claimed by one instance (`FOR UPDATE SKIP LOCKED`:
//! concurrent claimers skip each other's rows instead of waiting or taking them twice),
//! renewed while it is scraped, and released with its next due time and failure count (the
//! backoff state every instance shares).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Cluster, ClusterError};

/// A section this instance has claimed and must release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub section: String,
    /// Failed runs in a row before this one, whoever ran them.
    pub failures: u32,
}

/// A section's lease, for `/healthz`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LeaseState {
    pub section: String,
    /// The instance scraping it now (its lease not expired), if any.
    pub owner: Option<String>,
    pub next_due: DateTime<Utc>,
    pub failures: u32,
}

impl Cluster {
    /// Makes `sections` this instance's declared sections (at start and at each reload),
    /// and gives each section nobody had a lease, due now. Existing leases keep their
    /// schedule: a restart or a reload does not scrape everything again. Safe to call from
    /// async code.
    pub fn declare(&self, sections: &[String]) -> Result<(), ClusterError> {
        crate::store::pg::off_runtime(|| self.declare_now(sections))
    }

    fn declare_now(&self, sections: &[String]) -> Result<(), ClusterError> {
        let mut conn = self.conn()?;
        let mut tx = conn
            .transaction()
            .map_err(self.failed("declare sections"))?;
        tx.execute("DELETE FROM declarations WHERE instance = $1", &[&self.id])
            .map_err(self.failed("replace the declarations"))?;
        tx.execute(
            "INSERT INTO declarations (instance, section)
             SELECT $1, s FROM unnest($2::text[]) AS s ON CONFLICT DO NOTHING",
            &[&self.id, &sections],
        )
        .map_err(self.failed("declare sections"))?;
        tx.execute(
            "INSERT INTO leases (section, next_due)
             SELECT s, clock_timestamp() FROM unnest($1::text[]) AS s
             ON CONFLICT (section) DO NOTHING",
            &[&sections],
        )
        .map_err(self.failed("add the new sections' leases"))?;
        tx.commit().map_err(self.failed("declare sections"))
    }

    /// Claims up to `free` due sections among those this instance declares, earliest due
    /// first, skipping those another instance holds or is claiming right now.
    pub fn claim(&self, free: usize) -> Result<Vec<Claim>, ClusterError> {
        if free == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(free).unwrap_or(i64::MAX);
        let rows = self
            .conn()?
            .query(
                "UPDATE leases SET owner = $1,
                        lease_until = clock_timestamp() + make_interval(secs => $2),
                        last_started = clock_timestamp()
                 WHERE section IN (
                     SELECT l.section FROM leases l
                     JOIN declarations d ON d.section = l.section AND d.instance = $1
                     WHERE l.next_due <= clock_timestamp()
                       AND (l.owner IS NULL OR l.lease_until < clock_timestamp())
                     ORDER BY l.next_due LIMIT $3
                     FOR UPDATE OF l SKIP LOCKED)
                 RETURNING section, failures",
                &[&self.id, &self.lease_expiry.as_secs_f64(), &limit],
            )
            .map_err(self.failed("claim due sections"))?;
        Ok(rows
            .iter()
            .map(|r| Claim {
                section: r.get(0),
                failures: u32::try_from(r.get::<_, i32>(1)).unwrap_or(0),
            })
            .collect())
    }

    /// Extends this instance's lease on `section` by the lease expiry; `false` when the
    /// lease is no longer ours (it expired and another instance took it).
    pub fn renew(&self, section: &str) -> Result<bool, ClusterError> {
        let renewed = self
            .conn()?
            .execute(
                "UPDATE leases SET lease_until = clock_timestamp() + make_interval(secs => $3)
                 WHERE section = $1 AND owner = $2",
                &[&section, &self.id, &self.lease_expiry.as_secs_f64()],
            )
            .map_err(self.failed("renew a lease"))?;
        Ok(renewed == 1)
    }

    /// Hands `section` back, due again after `delay`, with `failures` failed runs in a
    /// row; `false` when it was no longer ours (nothing is changed then: its new owner's
    /// schedule wins).
    pub fn release(
        &self,
        section: &str,
        delay: Duration,
        failures: u32,
    ) -> Result<bool, ClusterError> {
        let failures = i32::try_from(failures).unwrap_or(i32::MAX);
        // Capped at a century: `make_interval` of a larger value overflows.
        let delay = delay.min(Duration::from_secs(100 * 365 * 86_400));
        let released = self
            .conn()?
            .execute(
                "UPDATE leases SET owner = NULL, lease_until = NULL,
                        next_due = clock_timestamp() + make_interval(secs => $3),
                        failures = $4, last_finished = clock_timestamp()
                 WHERE section = $1 AND owner = $2",
                &[&section, &self.id, &delay.as_secs_f64(), &failures],
            )
            .map_err(self.failed("release a lease"))?;
        Ok(released == 1)
    }

    /// Makes `section` due now ("Scrape now"), whichever instance will claim it; `false`
    /// when it has no lease.
    pub fn due_now(&self, section: &str) -> Result<bool, ClusterError> {
        let changed = self
            .conn()?
            .execute(
                "UPDATE leases SET next_due = LEAST(next_due, clock_timestamp())
                 WHERE section = $1",
                &[&section],
            )
            .map_err(self.failed("make a section due now"))?;
        Ok(changed == 1)
    }

    /// How long until the earliest of this instance's declared sections is due (zero when
    /// one is due now; `None` when it declares none), by the database's clock.
    pub fn next_due_in(&self) -> Result<Option<Duration>, ClusterError> {
        let row = self
            .conn()?
            .query_one(
                "SELECT EXTRACT(EPOCH FROM MIN(GREATEST(l.next_due,
                            CASE WHEN l.owner IS NULL THEN l.next_due ELSE l.lease_until END))
                        - clock_timestamp())::float8
                 FROM leases l JOIN declarations d ON d.section = l.section AND d.instance = $1",
                &[&self.id],
            )
            .map_err(self.failed("find the next due section"))?;
        Ok(row
            .get::<_, Option<f64>>(0)
            .map(|secs| Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX)))
    }

    /// Every lease, by section; an owner whose lease expired is shown as none.
    pub fn leases(&self) -> Result<Vec<LeaseState>, ClusterError> {
        let rows = self
            .conn()?
            .query(
                "SELECT section,
                        CASE WHEN lease_until >= clock_timestamp() THEN owner END,
                        next_due, failures
                 FROM leases ORDER BY section",
                &[],
            )
            .map_err(self.failed("list the leases"))?;
        Ok(rows
            .iter()
            .map(|r| LeaseState {
                section: r.get(0),
                owner: r.get(1),
                next_due: r.get(2),
                failures: u32::try_from(r.get::<_, i32>(3)).unwrap_or(0),
            })
            .collect())
    }
}
