//! Client profiles: names, companies, addresses in several countries (ISO-3166-1 alpha-2
//! codes, US states as 2-letter codes), currencies, gateways, client groups.

use chrono::{Duration, NaiveDate, NaiveTime};
use sync_core::Cents;

use super::company::{self, CAD, EUR, GBP, GROUP_RESELLER, GROUP_TEST, GROUP_VIP, USD};
use super::model::Client;
use super::plan::{ClientPlan, PlantKind};
use super::rng::{HEX, Rng};

pub struct Country {
    pub code: &'static str,
    pub weight: u32,
    pub currency: i64,
    pub language: &'static str,
    pub phone: &'static str,
    /// Company suffixes used there.
    pub company: &'static [&'static str],
    /// (state, city, postcode, street)
    pub places: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

pub const COUNTRIES: [Country; 12] = [
    Country {
        code: "US",
        weight: 380,
        currency: USD,
        language: "english",
        phone: "+1",
        company: &["LLC", "Inc.", "Corp."],
        places: &[
            ("CA", "Los Angeles", "90012", "Spring Street"),
            ("NY", "New York", "10001", "Broadway"),
            ("TX", "Austin", "73301", "Congress Avenue"),
            ("FL", "Miami", "33101", "Flagler Street"),
            ("WA", "Seattle", "98101", "Pike Street"),
            ("IL", "Chicago", "60601", "Michigan Avenue"),
        ],
    },
    Country {
        code: "CA",
        weight: 70,
        currency: CAD,
        language: "english",
        phone: "+1",
        company: &["Inc.", "Ltd."],
        places: &[
            ("Quebec", "Montréal", "H2Y 1C6", "Rue Saint-Paul"),
            ("Ontario", "Toronto", "M5H 2N2", "King Street"),
            (
                "British Columbia",
                "Vancouver",
                "V6B 1A1",
                "Granville Street",
            ),
        ],
    },
    Country {
        code: "GB",
        weight: 120,
        currency: GBP,
        language: "english",
        phone: "+44",
        company: &["Ltd", "LLP"],
        places: &[
            ("England", "London", "EC1A 1BB", "Baker Street"),
            ("Scotland", "Edinburgh", "EH1 1YZ", "Princes Street"),
            ("England", "Manchester", "M1 1AE", "Deansgate"),
        ],
    },
    Country {
        code: "DE",
        weight: 120,
        currency: EUR,
        language: "german",
        phone: "+49",
        company: &["GmbH", "UG", "AG"],
        places: &[
            ("Bayern", "München", "80331", "Leopoldstraße"),
            ("Berlin", "Berlin", "10115", "Torstraße"),
            ("Hamburg", "Hamburg", "20095", "Mönckebergstraße"),
        ],
    },
    Country {
        code: "FR",
        weight: 60,
        currency: EUR,
        language: "french",
        phone: "+33",
        company: &["SARL", "SAS"],
        places: &[
            ("Île-de-France", "Paris", "75001", "Rue de Rivoli"),
            (
                "Auvergne-Rhône-Alpes",
                "Lyon",
                "69001",
                "Rue de la République",
            ),
        ],
    },
    Country {
        code: "NL",
        weight: 50,
        currency: EUR,
        language: "dutch",
        phone: "+31",
        company: &["B.V."],
        places: &[
            ("Noord-Holland", "Amsterdam", "1012 JS", "Damrak"),
            ("Zuid-Holland", "Rotterdam", "3011 AD", "Coolsingel"),
        ],
    },
    Country {
        code: "ES",
        weight: 30,
        currency: EUR,
        language: "spanish",
        phone: "+34",
        company: &["S.L."],
        places: &[("Madrid", "Madrid", "28001", "Calle de Serrano")],
    },
    Country {
        code: "IT",
        weight: 20,
        currency: EUR,
        language: "italian",
        phone: "+39",
        company: &["S.r.l."],
        places: &[("Lombardia", "Milano", "20121", "Via Manzoni")],
    },
    Country {
        code: "SE",
        weight: 20,
        currency: EUR,
        language: "swedish",
        phone: "+46",
        company: &["AB"],
        places: &[("Stockholm", "Stockholm", "111 20", "Drottninggatan")],
    },
    Country {
        code: "AU",
        weight: 40,
        currency: USD,
        language: "english",
        phone: "+61",
        company: &["Pty Ltd"],
        places: &[
            ("NSW", "Sydney", "2000", "George Street"),
            ("VIC", "Melbourne", "3000", "Collins Street"),
        ],
    },
    Country {
        code: "IN",
        weight: 40,
        currency: USD,
        language: "english",
        phone: "+91",
        company: &["Pvt Ltd"],
        places: &[("Maharashtra", "Mumbai", "400001", "Marine Drive")],
    },
    Country {
        code: "BR",
        weight: 30,
        currency: USD,
        language: "portuguese-br",
        phone: "+55",
        company: &["Ltda."],
        places: &[("SP", "São Paulo", "01000-000", "Avenida Paulista")],
    },
];

/// (display, ascii for e-mail addresses)
const FIRST_NAMES: &[(&str, &str)] = &[
    ("James", "james"),
    ("Mary", "mary"),
    ("John", "john"),
    ("Patricia", "patricia"),
    ("Robert", "robert"),
    ("Jennifer", "jennifer"),
    ("Michael", "michael"),
    ("Linda", "linda"),
    ("David", "david"),
    ("Sarah", "sarah"),
    ("Thomas", "thomas"),
    ("Emma", "emma"),
    ("Lukas", "lukas"),
    ("Jürgen", "juergen"),
    ("Sophie", "sophie"),
    ("Léa", "lea"),
    ("Chloé", "chloe"),
    ("José", "jose"),
    ("María", "maria"),
    ("Giulia", "giulia"),
    ("Lars", "lars"),
    ("Anna", "anna"),
    ("Priya", "priya"),
    ("Rahul", "rahul"),
    ("Wei", "wei"),
    ("Olivia", "olivia"),
    ("Noah", "noah"),
    ("Zoë", "zoe"),
    ("Mateus", "mateus"),
    ("Fiona", "fiona"),
];

const LAST_NAMES: &[(&str, &str)] = &[
    ("Smith", "smith"),
    ("Johnson", "johnson"),
    ("Williams", "williams"),
    ("Brown", "brown"),
    ("Jones", "jones"),
    ("Miller", "miller"),
    ("Davis", "davis"),
    ("Wilson", "wilson"),
    ("Taylor", "taylor"),
    ("Müller", "mueller"),
    ("Schmidt", "schmidt"),
    ("Schneider", "schneider"),
    ("Dubois", "dubois"),
    ("Lefèvre", "lefevre"),
    ("García", "garcia"),
    ("Martínez", "martinez"),
    ("Rossi", "rossi"),
    ("Andersson", "andersson"),
    ("de Vries", "devries"),
    ("O'Brien", "obrien"),
    ("Patel", "patel"),
    ("Sharma", "sharma"),
    ("Silva", "silva"),
    ("Nguyen", "nguyen"),
    ("Kowalski", "kowalski"),
    ("MacLeod", "macleod"),
];

const COMPANY_WORDS: &[&str] = &[
    "Acme",
    "Bluebird",
    "Northwind",
    "Pixel",
    "Summit",
    "Harbor",
    "Cedar",
    "Quantum",
    "Lumen",
    "Atlas",
    "Orbit",
    "Maple",
    "Redwood",
    "Nimbus",
    "Falcon",
    "Vertex",
    "Sparrow",
    "Granite",
    "Copper",
    "Willow",
];

const COMPANY_KINDS: &[&str] = &[
    "Web Design",
    "Media",
    "Consulting",
    "Studio",
    "Software",
    "Labs",
    "Digital",
    "Marketing",
    "Solutions",
    "Trading",
];

const MAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.net",
    "example.org",
    "mail.example.com",
];

/// Country strings that are not assigned ISO-3166-1 alpha-2 codes (planted `invalid_country`).
const INVALID_COUNTRIES: &[&str] = &["XX", "Germany", "U$", "United States"];

/// Words the generator builds domain names from.
pub const DOMAIN_WORDS: &[&str] = &[
    "alpine", "bright", "cloud", "delta", "ember", "forest", "golden", "harbor", "indigo", "jade",
    "kinetic", "lunar", "meadow", "nova", "ocean", "prairie", "quartz", "river", "solar", "timber",
    "urban", "velvet", "wild", "zenith", "studio", "shop", "blog", "labs", "works", "media",
    "press", "garden", "bakery", "fitness", "travel", "photo",
];

/// Per-client choices that shape the history, besides the profile.
pub struct Behaviour {
    /// Pays several open invoices at once (mass payment) when it can.
    pub mass_pay: bool,
    /// Tops up credit with add-funds invoices.
    pub credit_user: bool,
    /// Reseller group: 10 % off orders.
    pub discount: bool,
}

pub fn profile(rng: &mut Rng, plan: &ClientPlan, client_id: i64) -> (Client, Behaviour) {
    let country = &COUNTRIES[plan.country];
    let (first, first_ascii) = *rng.pick(FIRST_NAMES);
    let (last, last_ascii) = *rng.pick(LAST_NAMES);
    let (state, city, postcode, street) = *rng.pick(country.places);
    let has_company = rng.chance(300);
    let companyname = if has_company {
        format!(
            "{} {} {}",
            rng.pick(COMPANY_WORDS),
            rng.pick(COMPANY_KINDS),
            rng.pick(country.company)
        )
    } else {
        String::new()
    };
    let eu = ["DE", "FR", "NL", "ES", "IT", "SE"].contains(&country.code);
    let tax_id = if has_company && eu {
        format!("{}{}", country.code, rng.range(100_000_000, 999_999_999))
    } else {
        String::new()
    };
    // EU businesses with a VAT number are billed without VAT (reverse charge).
    let taxexempt = !tax_id.is_empty() && rng.chance(500);
    let gateway = *rng.weighted(&[("stripe", 55), ("paypal", 30), ("banktransfer", 15)]);

    let plain = plan.is_special();
    let r = rng.below(1000);
    let mut groupid = if plain {
        0
    } else if r < 40 {
        GROUP_RESELLER
    } else if r < 70 {
        GROUP_VIP
    } else if r < 76 {
        GROUP_TEST
    } else {
        0
    };
    let mut email = format!(
        "{first_ascii}.{last_ascii}{client_id}@{}",
        rng.pick(MAIL_DOMAINS)
    );
    let mut companyname = companyname;
    if groupid == GROUP_TEST {
        companyname = format!("Test Account {client_id}");
        email = format!("test{client_id}@example-hosting.test");
    }
    let mut country_code = country.code.to_string();
    let mut state = state.to_string();
    let mut datecreated = Some(plan.signup);
    match plan.plant {
        Some(PlantKind::InvalidCountry) => {
            country_code = rng.pick(INVALID_COUNTRIES).to_string();
            state = String::new();
        }
        Some(PlantKind::MissingEmail) => email = String::new(),
        Some(PlantKind::MissingLeadDate) => datecreated = None,
        _ => {}
    }
    if groupid == GROUP_RESELLER && companyname.is_empty() {
        companyname = format!("{} Hosting Reseller", rng.pick(COMPANY_WORDS));
    }
    if plain {
        groupid = 0;
    }
    let behaviour = Behaviour {
        mass_pay: rng.chance(100),
        credit_user: !plain && rng.chance(70),
        discount: groupid == GROUP_RESELLER,
    };
    let uuid = format!(
        "{}-{}-4{}-{}{}-{}",
        rng.string(HEX, 8),
        rng.string(HEX, 4),
        rng.string(HEX, 3),
        char::from(*rng.pick(b"89ab")),
        rng.string(HEX, 3),
        rng.string(HEX, 12)
    );
    let login_day = plan.signup + Duration::days(rng.range(0, 30));
    let client = Client {
        firstname: first.to_string(),
        lastname: last.to_string(),
        companyname,
        email,
        address1: format!("{} {}", rng.range(1, 250), street),
        address2: if rng.chance(150) {
            format!("Suite {}", rng.range(100, 999))
        } else {
            String::new()
        },
        city: city.to_string(),
        state,
        postcode: postcode.to_string(),
        country: country_code,
        phone: format!("{}.{}", country.phone, rng.range(200_000_000, 999_999_999)),
        tax_id,
        currency: country.currency,
        gateway,
        taxexempt,
        datecreated,
        signup: plan.signup,
        groupid,
        status: "Active",
        language: if rng.chance(800) {
            country.language
        } else {
            ""
        },
        uuid,
        password_hash: format!("$2y$10${}", rng.string(super::rng::ALNUM, 53)),
        ip: format!("198.51.100.{}", rng.range(1, 254)),
        lastlogin: login_day.and_time(
            NaiveTime::from_hms_opt(rng.range(7, 22) as u32, rng.range(0, 59) as u32, 0)
                .expect("time"),
        ),
        marketing_opt_in: rng.chance(350),
        credit: Cents::ZERO,
        notes: String::new(),
    };
    (client, behaviour)
}

/// A domain name for a client's site.
pub fn domain_name(rng: &mut Rng, client_id: i64, tld: &str) -> String {
    format!(
        "{}{}{}{tld}",
        rng.pick(DOMAIN_WORDS),
        rng.pick(DOMAIN_WORDS),
        client_id % 997
    )
}

/// The country's tax rates for this client (0 when tax exempt).
pub fn client_tax(client: &Client) -> (i64, i64) {
    if client.taxexempt {
        (0, 0)
    } else {
        company::tax_rates(&client.country, &client.state)
    }
}

/// The day a client logged in last, clamped to `today`.
pub fn clamp_login(client: &mut Client, today: NaiveDate) {
    if client.lastlogin.date() > today {
        client.lastlogin = today.and_time(client.lastlogin.time());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_assigned_iso_codes_and_us_states_two_letters() {
        for c in &COUNTRIES {
            assert_eq!(c.code.len(), 2);
            assert!(c.code.bytes().all(|b| b.is_ascii_uppercase()));
            if c.code == "US" {
                assert!(c.places.iter().all(|p| p.0.len() == 2));
            }
        }
        for (_, ascii) in FIRST_NAMES.iter().chain(LAST_NAMES) {
            assert!(ascii.bytes().all(|b| b.is_ascii_lowercase()), "{ascii}");
        }
    }
}
