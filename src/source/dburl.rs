//! URLs: the one splitter ([`UrlParts`]) behind parsing `postgres://` URLs into connection
//! settings ([`DatabaseUrl`]), comparing them, [`redact_url`] and the policy API's `parse_url`.
//!
//! This module owns the only code that sees a database password in clear. It must never put
//! one in a message: every text it returns for display goes through [`redact_url`] or
//! [`DatabaseUrl::scrub`].

use percent_encoding::percent_decode_str;

/// A parsed `postgres://` or `postgresql://` URL.
#[derive(Clone)]
pub struct DatabaseUrl {
    pub user: Option<String>,
    password: Option<String>,
    /// Hosts with their ports (a URL may list several, `h1:5432,h2:5433`).
    pub hosts: Vec<(String, u16)>,
    pub dbname: Option<String>,
    /// Query parameters, percent-decoded, in order.
    pub params: Vec<(String, String)>,
    /// The URL with its password replaced by `***`.
    pub redacted: String,
}

impl std::fmt::Debug for DatabaseUrl {
    // Never print the password, even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// A URL cut into its parts without decoding anything: the one splitter behind parsing,
/// redaction and the policy API, so they can never disagree about where a password ends.
///
/// The credentials end at the last `@` before the query: passwords often hold an unencoded
/// `@` or `/` (base64), and libpq's own rule (percent-encode them) is not what operators do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    pub scheme: &'a str,
    /// `user` or `user:password`, undecoded; `None` without an `@`.
    pub userinfo: Option<&'a str>,
    /// One host or a comma-separated list, with ports.
    pub hosts: &'a str,
    /// After the `/` that ends the hosts, undecoded; empty when none.
    pub path: &'a str,
    /// After the `?`, undecoded; empty when none.
    pub query: &'a str,
}

impl<'a> UrlParts<'a> {
    /// Split `scheme://...`; `None` when the text is no URL.
    pub fn split(text: &'a str) -> Option<UrlParts<'a>> {
        let (scheme, rest) = text.split_once("://")?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return None;
        }
        // The credentials end at the last `@` before the query. When the `?` itself sits in
        // the password (no `@` before it), the last `@` of all ends them.
        let first_q = rest.find('?').unwrap_or(rest.len());
        let at = rest[..first_q].rfind('@').or_else(|| rest.rfind('@'));
        let (userinfo, after) = match at {
            Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
            None => (None, rest),
        };
        let after = after.split('#').next().unwrap_or(after);
        let (before_query, query) = after.split_once('?').unwrap_or((after, ""));
        let (hosts, path) = before_query.split_once('/').unwrap_or((before_query, ""));
        Some(UrlParts {
            scheme,
            userinfo,
            hosts,
            path,
            query,
        })
    }

    /// The user name (decoded), if any.
    pub fn user(&self) -> Option<String> {
        let info = self.userinfo?;
        Some(decode(info.split_once(':').map_or(info, |(u, _)| u)))
    }

    /// The password in the credentials (undecoded), if any and not empty.
    pub fn userinfo_password(&self) -> Option<&'a str> {
        self.userinfo?
            .split_once(':')
            .map(|(_, p)| p)
            .filter(|p| !p.is_empty())
    }

    /// Query parameters, decoded, in order.
    pub fn params(&self) -> Vec<(String, String)> {
        self.query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    /// Every secret the URL carries, undecoded and decoded: the credentials' password and
    /// the values of secret parameters.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = self.userinfo_password() {
            out.push(p.to_string());
            out.push(decode(p));
        }
        for pair in self.query.split('&') {
            if let Some((k, v)) = pair.split_once('=') {
                if is_secret_param(&decode(k)) && !v.is_empty() {
                    out.push(v.to_string());
                    out.push(decode(v));
                }
            }
        }
        out.dedup();
        out
    }
}

/// A query parameter whose value is a secret: libpq's `password` and `sslpassword`, and any
/// parameter whose name says it holds one (`token`, `secret`, `api_key`...).
pub fn is_secret_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "access_key",
    ]
    .iter()
    .any(|w| k.contains(w))
}

impl DatabaseUrl {
    /// Parse a URL; the error message never contains the password.
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        let url = url.trim();
        let parts = UrlParts::split(url)
            .filter(|p| matches!(p.scheme, "postgres" | "postgresql"))
            .ok_or_else(|| {
                "not a postgres:// or postgresql:// URL (key=value connection strings are not supported)"
                    .to_string()
            })?;
        let mut hosts = Vec::new();
        for chunk in parts.hosts.split(',').filter(|c| !c.is_empty()) {
            let (host, port) = split_host_port(chunk)?;
            hosts.push((host, port));
        }
        let dbname = (!parts.path.is_empty()).then(|| decode(parts.path));
        let mut parsed = DatabaseUrl {
            user: parts.user(),
            password: parts.userinfo_password().map(decode),
            hosts,
            dbname,
            params: parts.params(),
            redacted: redact_url(url),
        };
        // libpq lets `?host=` and `?port=` stand in for the authority (unix sockets).
        if parsed.hosts.is_empty() {
            if let Some(host) = parsed.param("host").map(str::to_string) {
                let port = match parsed.param("port") {
                    Some(p) => p
                        .parse()
                        .map_err(|_| "the port is not a number".to_string())?,
                    None => 5432,
                };
                parsed.hosts.push((host, port));
            }
        }
        if let Some(p) = parsed.param("password").map(str::to_string) {
            parsed.password = Some(p);
        }
        if parsed.hosts.is_empty() {
            return Err(format!("{} names no host", parsed.redacted));
        }
        Ok(parsed)
    }

    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `host:port/dbname`, for messages.
    pub fn display(&self) -> String {
        let hosts: Vec<String> = self.hosts.iter().map(|(h, p)| format!("{h}:{p}")).collect();
        format!(
            "{}/{}",
            hosts.join(","),
            self.dbname.as_deref().unwrap_or("")
        )
    }

    /// True when both URLs can reach the same database: a host and port in common (host names
    /// compared case-insensitively) and the same database name.
    pub fn same_database(&self, other: &DatabaseUrl) -> bool {
        self.dbname == other.dbname
            && self.hosts.iter().any(|(h, p)| {
                other
                    .hosts
                    .iter()
                    .any(|(oh, op)| p == op && h.eq_ignore_ascii_case(oh))
            })
    }

    /// Remove every secret of this URL from a message produced by a driver or the server, in
    /// case one echoed it back (a password in the wrong field, a URL in an error).
    pub fn scrub(&self, message: &str) -> String {
        let mut out = message.to_string();
        let secrets = self.password.iter().cloned().chain(
            self.params
                .iter()
                .filter(|(k, _)| is_secret_param(k))
                .map(|(_, v)| v.clone()),
        );
        for p in secrets.filter(|p| p.len() >= 4) {
            out = out.replace(&p, "***");
            let encoded: String =
                percent_encoding::utf8_percent_encode(&p, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            out = out.replace(&encoded, "***");
        }
        out
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Split one `host:port` of a host list; the port defaults to 5432.
/// A host that is this machine, or a container's way of naming it (`localhost`, `127.0.0.1`,
/// `::1`, `0.0.0.0`, `host.docker.internal`, `*.localhost`); brackets and case ignored.
pub fn is_local_host(host: &str) -> bool {
    let h = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    matches!(
        h.as_str(),
        "localhost" | "127.0.0.1" | "::1" | "0.0.0.0" | "host.docker.internal"
    ) || h.ends_with(".localhost")
}

pub fn split_host_port(chunk: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = chunk.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| "an IPv6 host lacks its closing `]`".to_string())?;
        let port = rest[end + 1..].strip_prefix(':');
        (rest[..end].to_string(), port)
    } else {
        match chunk.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (chunk.to_string(), None),
        }
    };
    let port = match port {
        Some(p) if !p.is_empty() => p
            .parse::<u16>()
            .map_err(|_| "the port is not a number".to_string())?,
        _ => 5432,
    };
    Ok((decode(&host), port))
}

/// The URL with every secret replaced by `***`: the password in the credentials (wherever
/// its `@` and `/` fall) and secret parameters (`password`, `sslpassword`, tokens). The user,
/// hosts and database stay: they are not secret, and the operator needs them to know which
/// database a message is about. Text that is not a URL is returned unchanged.
pub fn redact_url(url: &str) -> String {
    let Some(parts) = UrlParts::split(url) else {
        return url.to_string();
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(parts.scheme);
    out.push_str("://");
    if let Some(info) = parts.userinfo {
        match info.split_once(':') {
            Some((user, _)) => {
                out.push_str(user);
                out.push_str(":***");
            }
            None => out.push_str(info),
        }
        out.push('@');
    }
    out.push_str(parts.hosts);
    if !parts.path.is_empty() || url_has_path(&parts) {
        out.push('/');
        out.push_str(parts.path);
    }
    if !parts.query.is_empty() {
        out.push('?');
        let redacted: Vec<String> = parts
            .query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if is_secret_param(&decode(k)) => format!("{k}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&redacted.join("&"));
    }
    out
}

/// Whether the URL wrote a `/` after its hosts (kept so `h/` stays `h/`).
fn url_has_path(parts: &UrlParts<'_>) -> bool {
    let hosts_end = parts.hosts.as_ptr() as usize + parts.hosts.len();
    let path_start = parts.path.as_ptr() as usize;
    path_start == hosts_end + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password_in_credentials_and_parameters() {
        let cases = [
            (
                "postgres://app:s3cr%40t@db.example.com:5432/app",
                "postgres://app:***@db.example.com:5432/app",
            ),
            (
                "postgresql://app:p@ss@w0rd@h/db?sslmode=require",
                "postgresql://app:***@h/db?sslmode=require",
            ),
            ("postgres://app@h/db", "postgres://app@h/db"),
            (
                "postgres://h/db?user=a&password=hunter22",
                "postgres://h/db?user=a&password=***",
            ),
            ("postgres://u:pw@h", "postgres://u:***@h"),
            // An unencoded `/` in the password: the whole password goes, not just a part.
            (
                "postgres://u:ab/cd+ef==@h:5432/db",
                "postgres://u:***@h:5432/db",
            ),
            (
                "postgres://u@h/db?sslmode=require&sslpassword=keyphrase9&PASSWORD=x1",
                "postgres://u@h/db?sslmode=require&sslpassword=***&PASSWORD=***",
            ),
            ("not a url", "not a url"),
        ];
        for (url, want) in cases {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn parses_hosts_ports_database_and_parameters() {
        let url = DatabaseUrl::parse("postgres://app:p%40ss@10.0.0.1:6543,[::1]:5433/my%20db?sslmode=verify-full&sslrootcert=ca.pem")
            .expect("valid URL");
        assert_eq!(url.user.as_deref(), Some("app"));
        assert_eq!(url.password(), Some("p@ss"));
        assert_eq!(
            url.hosts,
            vec![("10.0.0.1".to_string(), 6543), ("::1".to_string(), 5433)]
        );
        assert_eq!(url.dbname.as_deref(), Some("my db"));
        assert_eq!(url.param("sslmode"), Some("verify-full"));
        assert_eq!(url.param("sslrootcert"), Some("ca.pem"));
        assert!(!format!("{url:?}").contains("p%40ss"));
    }

    #[test]
    fn rejects_non_urls_and_bad_ports_without_echoing_the_password() {
        assert!(DatabaseUrl::parse("host=h password=zzzz").is_err());
        let err = DatabaseUrl::parse("postgres://u:topsecret@h:notaport/db").unwrap_err();
        assert!(!err.contains("topsecret"), "{err}");
        let err = DatabaseUrl::parse("postgres://u:topsecret@/db").unwrap_err();
        assert!(!err.contains("topsecret"), "{err}");
    }

    #[test]
    fn a_host_list_is_several_hosts() {
        let url = DatabaseUrl::parse("postgres://u:p@h1:5432,h2/db").expect("valid URL");
        assert_eq!(
            url.hosts,
            vec![("h1".to_string(), 5432), ("h2".to_string(), 5432)]
        );
        let other = DatabaseUrl::parse("postgres://x@H2:5432/db").expect("valid URL");
        assert!(url.same_database(&other));
        let elsewhere = DatabaseUrl::parse("postgres://x@h3/db").expect("valid URL");
        assert!(!url.same_database(&elsewhere));
    }

    #[test]
    fn a_slash_or_at_in_the_password_stays_in_the_password() {
        let url =
            DatabaseUrl::parse("postgres://app:pa/ss@w0rd@db.internal:5433/app?sslmode=require")
                .expect("valid URL");
        assert_eq!(url.password(), Some("pa/ss@w0rd"));
        assert_eq!(url.hosts, vec![("db.internal".to_string(), 5433)]);
        assert_eq!(url.dbname.as_deref(), Some("app"));
        assert!(!url.display().contains("ss@w0rd"));
        assert!(!url.redacted.contains("w0rd"), "{}", url.redacted);
    }

    #[test]
    fn scrub_removes_raw_and_encoded_passwords() {
        let url = DatabaseUrl::parse("postgres://u:top%2Fsecret@h/db").expect("valid URL");
        assert_eq!(
            url.scrub("auth failed for top/secret and top%2Fsecret"),
            "auth failed for *** and ***"
        );
    }
}
