//! Database URLs: parsing `postgres://` URLs into connection settings, and [`redact_url`].
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

impl DatabaseUrl {
    /// Parse a URL; the error message never contains the password.
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| {
                "not a postgres:// or postgresql:// URL (key=value connection strings are not supported)"
                    .to_string()
            })?;
        let (before_query, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.find('/') {
            Some(i) => (&before_query[..i], &before_query[i + 1..]),
            None => (before_query, ""),
        };
        // The last `@` ends the credentials: an unencoded `@` in a password is common.
        let (userinfo, hostlist) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(decode(u)), Some(decode(p))),
                None => (Some(decode(info)), None),
            },
            None => (None, None),
        };
        let mut params = Vec::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            params.push((decode(k), decode(v)));
        }
        let mut hosts = Vec::new();
        for chunk in hostlist.split(',').filter(|c| !c.is_empty()) {
            let (host, port) = split_host_port(chunk)?;
            hosts.push((host, port));
        }
        let dbname = (!path.is_empty()).then(|| decode(path));
        let redacted = redact_url(url);
        let mut parsed = DatabaseUrl {
            user,
            password,
            hosts,
            dbname,
            params,
            redacted,
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

    /// Remove the password from a message produced by a driver or the server, in case one
    /// echoed it back (a password in the wrong field, a URL in an error).
    pub fn scrub(&self, message: &str) -> String {
        let mut out = message.to_string();
        if let Some(p) = self.password.as_deref().filter(|p| p.len() >= 4) {
            out = out.replace(p, "***");
            let encoded: String =
                percent_encoding::utf8_percent_encode(p, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            out = out.replace(&encoded, "***");
        }
        out
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn split_host_port(chunk: &str) -> Result<(String, u16), String> {
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

/// The URL with its password (in the credentials or a `password=` parameter) replaced by
/// `***`. Text that is not a URL is returned with any `user:password@` part redacted.
pub fn redact_url(url: &str) -> String {
    let (scheme_end, rest) = match url.find("://") {
        Some(i) => (i + 3, &url[i + 3..]),
        None => (0, url),
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..scheme_end]);
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.split_once(':') {
                Some((user, _)) => {
                    out.push_str(user);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let redacted: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => pair.to_string(),
                })
                .collect();
            out.push_str(&redacted.join("&"));
        }
        None => out.push_str(tail),
    }
    out
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
    fn scrub_removes_raw_and_encoded_passwords() {
        let url = DatabaseUrl::parse("postgres://u:top%2Fsecret@h/db").expect("valid URL");
        assert_eq!(
            url.scrub("auth failed for top/secret and top%2Fsecret"),
            "auth failed for *** and ***"
        );
    }
}
