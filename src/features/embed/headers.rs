//! Framing headers: who may show the site in a frame. Browsers honour
//! framing rules only as HTTP headers (`Content-Security-Policy:
//! frame-ancestors`; `<meta>` is ignored and `X-Frame-Options` cannot list
//! origins), so Guidepost writes them for the servers that read a file —
//! `_headers` (Netlify, Cloudflare Pages), an nginx snippet, an Apache
//! `.htaccess`, an IIS `web.config` — and `guidepost serve` sends the same
//! ones ([`for_path`]).
//!
//! Embed pages (`/embed/…`) may be framed by `[embed] allow_framing_from`;
//! full pages only by the site itself and `full_pages_framing_from`. Both
//! carry the same strict policy otherwise (`default-src 'self'`, which the
//! default theme is built for).

use std::sync::Arc;

use crate::config::EmbedConfig;
use crate::model::Site;
use crate::plan::{Job, JobKind};
use crate::text::escape_attr;

/// Everything but framing: what the default theme needs and nothing more.
const BASE_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'";

/// Whether the site asked for framing headers (any headers file or origin);
/// `guidepost serve` sends them only then.
pub(crate) fn enabled(c: &EmbedConfig) -> bool {
    !c.headers.is_empty() || !c.allow_framing_from.is_empty()
}

fn policy(origins: &[String]) -> String {
    let mut p = format!("{BASE_POLICY}; frame-ancestors 'self'");
    for o in origins {
        if o != "'self'" {
            p.push(' ');
            p.push_str(o);
        }
    }
    p
}

/// The policy of embed pages.
pub(crate) fn embed_policy(c: &EmbedConfig) -> String {
    policy(&c.framing_origins())
}

/// The policy of every other page.
pub(crate) fn full_policy(c: &EmbedConfig) -> String {
    policy(&c.full_page_origins())
}

/// Headers for the response at `path` (a request path below the site's
/// base path, such as `/embed/compare/`), when framing headers are enabled.
pub(crate) fn for_path(c: &EmbedConfig, path: &str) -> Vec<(&'static str, String)> {
    if !enabled(c) {
        return Vec::new();
    }
    let csp = if path.starts_with("/embed/") {
        embed_policy(c)
    } else {
        full_policy(c)
    };
    vec![("Content-Security-Policy", csp)]
}

/// The headers files `[embed] headers` names, as raw jobs.
pub(crate) fn files(site: &Site) -> Vec<Job> {
    let c = &site.config.embed;
    let base = site.url_mode.base_path();
    let (embed, full) = (embed_policy(c), full_policy(c));
    let raw = |path: &str, text: String| Job {
        path: path.to_string(),
        kind: JobKind::Raw(Arc::new(text.into_bytes())),
        vars: Vec::new(),
        source: "[embed] headers in guidepost.toml".into(),
    };
    let mut jobs = Vec::new();
    for name in &c.headers {
        match name.as_str() {
            "_headers" => jobs.push(raw("/_headers", netlify(site, &base, &embed, &full))),
            "nginx" => jobs.push(raw(
                "/guidepost-headers.nginx.conf",
                nginx(&base, &embed, &full),
            )),
            "htaccess" => jobs.push(raw("/.htaccess", htaccess(&base, &embed, &full))),
            "iis" => jobs.push(raw("/web.config", iis(&embed, &full))),
            _ => {}
        }
    }
    jobs
}

/// `_headers`: rules must not overlap, because Netlify lets the last
/// matching rule win while Cloudflare Pages joins both values (two policies,
/// both enforced): so `/embed/*` gets its policy, and every other top-level
/// folder and root file of the site gets the full one.
fn netlify(site: &Site, base: &str, embed: &str, full: &str) -> String {
    let mut tops: Vec<String> = site
        .docs
        .iter()
        .filter_map(|d| d.path.trim_start_matches('/').split('/').next())
        .filter(|s| !s.is_empty() && *s != "embed")
        .map(|s| format!("{base}/{s}/*"))
        .collect();
    tops.extend(
        site.taxonomies
            .iter()
            .map(|t| format!("{base}/{}/*", t.slug)),
    );
    tops.sort();
    tops.dedup();
    let mut out = String::from(
        "# Framing and content security headers, written by Guidepost from [embed] in guidepost.toml.\n# Netlify and Cloudflare Pages read this file from the published folder.\n",
    );
    let rule = |out: &mut String, path: &str, csp: &str| {
        out.push_str(&format!(
            "{path}\n  Content-Security-Policy: {csp}\n  X-Content-Type-Options: nosniff\n"
        ));
    };
    rule(&mut out, &format!("{base}/embed/*"), embed);
    for p in [
        format!("{base}/"),
        format!("{base}/index.html"),
        format!("{base}/404.html"),
    ] {
        rule(&mut out, &p, full);
    }
    for t in tops {
        rule(&mut out, &t, full);
    }
    out
}

fn nginx(base: &str, embed: &str, full: &str) -> String {
    format!(
        "# Framing and content security headers, written by Guidepost from [embed] in guidepost.toml.\n\
         # Include it inside the server {{ }} block that serves the site:\n\
         #     include /etc/nginx/snippets/guidepost-headers.nginx.conf;\n\
         # (merge the `location {base}/` block with yours if you already have one).\n\
         location ^~ {base}/embed/ {{\n    add_header Content-Security-Policy \"{embed}\" always;\n    add_header X-Content-Type-Options \"nosniff\" always;\n}}\n\
         location {base}/ {{\n    add_header Content-Security-Policy \"{full}\" always;\n    add_header X-Content-Type-Options \"nosniff\" always;\n}}\n"
    )
}

fn htaccess(base: &str, embed: &str, full: &str) -> String {
    let pattern = if base.is_empty() {
        "/embed/".to_string()
    } else {
        format!("^{base}/embed/")
    };
    format!(
        "# Framing and content security headers, written by Guidepost from [embed] in guidepost.toml.\n\
         # Apache reads this file from the published folder (AllowOverride FileInfo, mod_headers).\n\
         <IfModule mod_headers.c>\n  Header always set X-Content-Type-Options \"nosniff\"\n  <If \"%{{REQUEST_URI}} =~ m#{pattern}#\">\n    Header always set Content-Security-Policy \"{embed}\"\n  </If>\n  <Else>\n    Header always set Content-Security-Policy \"{full}\"\n  </Else>\n</IfModule>\n"
    )
}

fn iis(embed: &str, full: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- Framing and content security headers, written by Guidepost from [embed] in guidepost.toml. -->\n<configuration>\n  <system.webServer>\n    <httpProtocol>\n      <customHeaders>\n        <add name=\"Content-Security-Policy\" value=\"{}\" />\n        <add name=\"X-Content-Type-Options\" value=\"nosniff\" />\n      </customHeaders>\n    </httpProtocol>\n  </system.webServer>\n  <location path=\"embed\">\n    <system.webServer>\n      <httpProtocol>\n        <customHeaders>\n          <remove name=\"Content-Security-Policy\" />\n          <add name=\"Content-Security-Policy\" value=\"{}\" />\n        </customHeaders>\n      </httpProtocol>\n    </system.webServer>\n  </location>\n</configuration>\n",
        escape_attr(full),
        escape_attr(embed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::Config;

    fn config(text: &str) -> Config {
        Config::parse(text, "guidepost.toml".into()).unwrap()
    }

    #[test]
    fn presets_expand_and_embed_pages_get_them() {
        let c = config(
            "[embed]\nallow_framing_from = [\"https://contoso.sharepoint.com\", \"teams\"]\n",
        );
        let embed = embed_policy(&c.embed);
        assert!(embed.starts_with("default-src 'self';"), "{embed}");
        assert!(
            embed.ends_with("frame-ancestors 'self' https://contoso.sharepoint.com https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft https://*.office.com"),
            "{embed}"
        );
        assert!(full_policy(&c.embed).ends_with("frame-ancestors 'self'"));
        assert_eq!(for_path(&c.embed, "/embed/compare/")[0].1, embed);
        assert_eq!(for_path(&c.embed, "/compare/")[0].1, full_policy(&c.embed));
        assert!(for_path(&config("").embed, "/embed/x/").is_empty());
    }

    #[test]
    fn a_bad_origin_or_file_name_is_an_error_at_its_line() {
        let e = Config::parse(
            "title = \"x\"\n[embed]\nallow_framing_from = [\"contoso.sharepoint.com/x\"]\n",
            "guidepost.toml".into(),
        )
        .unwrap_err();
        assert_eq!(e.line_col(), Some((3, 23)), "{}", e.message);
        assert!(e.message.contains("neither an origin nor a framing preset"));
        let e = Config::parse("[embed]\nheaders = [\"caddy\"]\n", "g.toml".into()).unwrap_err();
        assert_eq!(e.line_col().unwrap().0, 2);
        assert!(e.help.unwrap().contains("_headers, nginx, htaccess, iis"));
    }
}
