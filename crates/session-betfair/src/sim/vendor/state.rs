//! The vendor services' state: subscription tokens and their statuses, vendor client ids,
//! authorisation codes, web-app grants, refresh and access tokens, and Betfair's timestamps.

use super::*;

pub(crate) struct Sub {
    pub(crate) token: String,
    pub(crate) app_key: String,
    pub(super) created: SystemTime,
    pub(super) expiry: Option<SystemTime>,
    pub(super) activated: Option<SystemTime>,
    pub(super) cancelled: Option<SystemTime>,
    pub(crate) customer: Option<String>,
    pub(super) client_reference: Option<String>,
}

impl Sub {
    pub(crate) fn status(&self, now: SystemTime) -> &'static str {
        if self.cancelled.is_some() {
            "CANCELLED"
        } else if self.expiry.is_some_and(|e| e <= now) {
            "EXPIRED"
        } else if self.activated.is_some() {
            "ACTIVATED"
        } else {
            "UNACTIVATED"
        }
    }
}

pub(super) struct Code {
    pub(super) customer: String,
    pub(super) vendor_id: i64,
    pub(super) issued: SystemTime,
}

pub(super) struct Access {
    pub(super) customer: String,
    pub(super) vendor_id: i64,
    pub(super) expires_at: SystemTime,
}

pub(crate) struct VendorState {
    pub(crate) apps: Vec<SimVendorApp>,
    pub(crate) subs: Vec<Sub>,
    pub(crate) client_ids: HashMap<(String, String), String>,
    pub(super) codes: HashMap<String, Code>,
    pub(super) grants: HashMap<(String, i64), String>,
    pub(super) refresh: HashMap<String, (String, i64)>,
    pub(super) access: HashMap<String, Access>,
    pub(crate) affiliated: HashSet<String>,
    pub(crate) cap: usize,
    pub(crate) access_ttl: Duration,
    pub(super) next: u64,
    next_token: u64,
}

impl VendorState {
    pub(crate) fn new(apps: Vec<SimVendorApp>, cap: usize, access_ttl: Duration) -> Self {
        Self {
            apps,
            subs: Vec::new(),
            client_ids: HashMap::new(),
            codes: HashMap::new(),
            grants: HashMap::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            affiliated: HashSet::new(),
            cap,
            access_ttl,
            next: 0,
            next_token: 0,
        }
    }

    pub(super) fn app(&self, app_key: &str) -> Option<&SimVendorApp> {
        self.apps.iter().find(|a| a.app_key == app_key)
    }

    pub(super) fn web_app(&self, vendor_id: i64) -> Option<&SimVendorApp> {
        self.apps.iter().find(|a| a.vendor_id() == Some(vendor_id))
    }

    pub(super) fn secret(&mut self, kind: &str) -> String {
        self.next += 1;
        format!(
            "{SIM_WEB_TOKEN_PREFIX}{kind}-{:06}-{:08x}",
            self.next,
            super::mix(self.next)
        )
    }

    /// A fresh `ABCD-EFGH-IJKL` token: the counter times a constant coprime with 26, modulo
    /// 26^12, in base 26 — unique for every counter value.
    fn subscription_token(&mut self) -> String {
        const SPACE: u128 = 95_428_956_661_682_176; // 26^12
        self.next_token += 1;
        let mut x = (u128::from(self.next_token) * 7_919_000_000_007) % SPACE;
        let mut letters = Vec::with_capacity(14);
        for i in 0..12 {
            if i == 4 || i == 8 {
                letters.push(b'-');
            }
            letters.push(b'A' + (x % 26) as u8);
            x /= 26;
        }
        String::from_utf8(letters).unwrap_or_default()
    }

    pub(crate) fn new_sub(
        &mut self,
        app_key: &str,
        now: SystemTime,
        days: Option<i64>,
        client_reference: Option<String>,
    ) -> String {
        let token = self.subscription_token();
        self.subs.push(Sub {
            token: token.clone(),
            app_key: app_key.to_owned(),
            created: now,
            expiry: days.map(|d| expiry_after(now, d)),
            activated: None,
            cancelled: None,
            customer: None,
            client_reference,
        });
        token
    }

    pub(crate) fn unactivated(&self, app_key: &str, now: SystemTime) -> usize {
        self.subs
            .iter()
            .filter(|s| s.app_key == app_key && s.status(now) == "UNACTIVATED")
            .count()
    }

    /// Whether `customer` logging in with `app_key` must activate a subscription first.
    pub(crate) fn pending(&self, app_key: &str, customer: &str, now: SystemTime) -> bool {
        let Some(app) = self.app(app_key) else {
            return false;
        };
        app.subscription_required
            && app.owner != customer
            && !self.subs.iter().any(|s| {
                s.app_key == app_key
                    && s.customer.as_deref() == Some(customer)
                    && s.status(now) == "ACTIVATED"
            })
    }

    /// Whether `key` is a vendor app key the simulator knows.
    pub(crate) fn knows_key(&self, key: &str) -> bool {
        self.app(key).is_some()
    }

    pub(super) fn client_id(&mut self, customer: &str, owner: &str) -> String {
        let key = (customer.to_owned(), owner.to_owned());
        if let Some(id) = self.client_ids.get(&key) {
            return id.clone();
        }
        self.next += 1;
        let id = format!("{}", 456_000 + self.next);
        self.client_ids.insert(key, id.clone());
        id
    }

    pub(super) fn customer_of(&self, owner: &str, vendor_client_id: &str) -> Option<String> {
        self.client_ids
            .iter()
            .find(|((_, o), id)| o == owner && id.as_str() == vendor_client_id)
            .map(|((c, _), _)| c.clone())
    }

    pub(crate) fn issue_code(&mut self, customer: &str, vendor_id: i64, now: SystemTime) -> String {
        let code = self.secret("CODE");
        self.codes.insert(
            code.clone(),
            Code {
                customer: customer.to_owned(),
                vendor_id,
                issued: now,
            },
        );
        code
    }

    pub(crate) fn expire_access_tokens(&mut self) {
        self.access.clear();
    }

    pub(crate) fn has_grant(&self, customer: &str, vendor_id: i64) -> bool {
        self.grants.contains_key(&(customer.to_owned(), vendor_id))
    }
}

/// `created + days`, rounded up to the next midnight (UTC).
fn expiry_after(created: SystemTime, days: i64) -> SystemTime {
    let days = u64::try_from(days).unwrap_or(0);
    let raw = timing::after(created, Duration::from_secs(days.saturating_mul(86_400)));
    let secs = raw
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let rem = secs % 86_400;
    if rem == 0 {
        raw
    } else {
        timing::after(
            SystemTime::UNIX_EPOCH,
            Duration::from_secs(secs.saturating_add(86_400 - rem)),
        )
    }
}

const STAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A timestamp as Betfair writes it (`2014-10-07T10:55:42.000Z`).
pub(crate) fn stamp(t: SystemTime) -> Value {
    let dt = OffsetDateTime::from(t);
    json!(dt.format(STAMP).unwrap_or_default())
}

pub(super) fn opt_stamp(t: Option<SystemTime>) -> Value {
    t.map_or(Value::Null, stamp)
}
