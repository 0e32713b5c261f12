//! The built-in API packs (rules/github.json, stripe.json, openai.json, anthropic.json,
//! slack.json, kubernetes.json, docker-registry.json, google.json, twilio.json,
//! shopify.json, aws.json, azure.json, proxies.json):
//! each real response of tests/fixtures/evidence/<api>/ gets its pack's rule, no response
//! of another API (evidence of other APIs, the four founding vendors' corpora) ever gets
//! a rule of a pack it does not belong to, and every pack file checks.

use std::path::{Path, PathBuf};

use crate::common;
use common::{apidiag, fixture, run_with};

/// The shipped packs, with the URL a user would pass for a saved response of each.
const PACKS: &[(&str, &str)] = &[
    ("github", "https://api.github.com/repos/octo/app"),
    ("stripe", "https://api.stripe.com/v1/charges"),
    ("openai", "https://api.openai.com/v1/chat/completions"),
    ("anthropic", "https://api.anthropic.com/v1/messages"),
    ("slack", "https://slack.com/api/chat.postMessage"),
    (
        "kubernetes",
        "https://kubernetes.default.svc/api/v1/namespaces/default/pods",
    ),
    (
        "docker-registry",
        "https://registry-1.docker.io/v2/library/busybox/manifests/latest",
    ),
    (
        "google",
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
    ),
    (
        "twilio",
        "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json",
    ),
    (
        "shopify",
        "https://example-shop.myshopify.com/admin/api/2024-01/orders.json",
    ),
    (
        "aws",
        "https://mybucket.s3.us-east-1.amazonaws.com/photos/cat.jpg",
    ),
    (
        "azure",
        "https://myaccount.blob.core.windows.net/mycontainer/myblob",
    ),
    // A layer in front of any API: its pages are its own whatever host the user called.
    ("proxies", "https://api.example.com/v1/orders"),
];

/// The GraphQL endpoint of a pack's API, for its `graphql*` fixtures.
fn graphql_url(pack: &str) -> &'static str {
    match pack {
        "shopify" => "https://example-shop.myshopify.com/admin/api/2024-01/graphql.json",
        _ => "https://api.github.com/graphql",
    }
}

/// The evidence folder of a pack's API.
fn folder(pack: &str) -> &str {
    match pack {
        "docker-registry" => "docker",
        other => other,
    }
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
}

/// Every evidence fixture, with the folder (the API) it belongs to.
fn evidence() -> Vec<(String, PathBuf)> {
    let root = PathBuf::from(fixture("evidence"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let api = dir.file_name().unwrap().to_string_lossy().into_owned();
        out.extend(files(&dir, "http").into_iter().map(|f| (api.clone(), f)));
    }
    assert!(out.len() >= 90, "evidence fixtures missing: {}", out.len());
    out
}

/// `(api, rule)` of every diagnosis the binary prints for `file` given `args`.
fn diagnose(args: &[&str], file: &Path) -> Vec<(String, String)> {
    let mut all = vec!["--format", "json"];
    all.extend(args);
    all.push(file.to_str().unwrap());
    let r = run_with(&all, Vec::new());
    r.no_panic(&file.display().to_string());
    r.json_lines()
        .iter()
        .map(|d| {
            let text = |k: &str| d[k].as_str().unwrap_or("").to_owned();
            (text("api"), text("rule"))
        })
        .collect()
}

fn pack_of(rule: &str) -> Option<&'static str> {
    let prefix = rule.split('/').next()?;
    PACKS.iter().map(|(p, _)| *p).find(|p| *p == prefix)
}

#[test]
fn each_pack_fixture_gets_its_packs_rule() {
    for (pack, url) in PACKS {
        let dir = PathBuf::from(fixture(&format!("evidence/{}", folder(pack))));
        let fixtures = files(&dir, "http");
        assert!(!fixtures.is_empty(), "no fixtures for {pack}");
        for f in fixtures {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            // A GraphQL answer is a POST to /graphql, as the user's request was.
            let (url, method) = if name.starts_with("graphql") {
                (graphql_url(pack), "POST")
            } else {
                (*url, "GET")
            };
            let got = diagnose(
                &["--url", url, "--method", method, "--input-format", "http"],
                &f,
            );
            assert_eq!(got.len(), 1, "{pack}/{name}: {got:?}");
            let (api, rule) = &got[0];
            assert_eq!(api, pack, "{pack}/{name}: recognised as {api:?} ({rule})");
            assert!(
                rule.starts_with(&format!("{pack}/")) && !rule.contains("/status-"),
                "{pack}/{name}: got {rule}, not a documented {pack} rule"
            );
        }
    }
}

#[test]
fn no_evidence_fixture_gets_another_packs_rule() {
    for (api, f) in evidence() {
        // As the file stands (no request: vocabulary is the only evidence), and as a
        // user would run it with the request URL of its own API when a pack is shipped.
        let mut runs = vec![diagnose(&[], &f)];
        if let Some((_, url)) = PACKS.iter().find(|(p, _)| folder(p) == api) {
            runs.push(diagnose(&["--url", url], &f));
        }
        for (_, rule) in runs.into_iter().flatten() {
            if let Some(pack) = pack_of(&rule) {
                assert_eq!(
                    folder(pack),
                    api,
                    "{}: a response of {api} got {rule}",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn no_founding_vendor_response_gets_a_pack_rule() {
    let mut corpora = vec![PathBuf::from(fixture("vendors/ndjson/all.ndjson"))];
    // A pack's own documented cases (documented/proxies.ndjson) are that pack's.
    let own = |f: &PathBuf| pack_of(&format!("{}/", f.file_stem().unwrap().to_string_lossy()));
    corpora.extend(
        files(&PathBuf::from(fixture("documented")), "ndjson")
            .into_iter()
            .filter(|f| own(f).is_none()),
    );
    for corpus in corpora {
        let got = diagnose(&[], &corpus);
        assert!(!got.is_empty(), "{}: no diagnoses", corpus.display());
        for (api, rule) in got {
            assert!(
                pack_of(&rule).is_none() && pack_of(&format!("{api}/")).is_none(),
                "{}: a founding vendor's response got {rule} (api {api})",
                corpus.display()
            );
        }
    }
}

#[test]
fn every_pack_file_checks() {
    for (pack, _) in PACKS {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("rules/{pack}.json"));
        let out = apidiag()
            .args(["rules", "check", path.to_str().unwrap()])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "rules check {pack}.json failed:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains(" 0 with problems"), "{pack}.json: {stdout}");
    }
}

#[test]
fn rules_list_shows_the_packs() {
    let out = apidiag().args(["rules", "list"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for (pack, _) in PACKS {
        assert!(
            stdout.contains(&format!("{pack}/")),
            "`rules list` does not show {pack}"
        );
    }
}

#[test]
fn no_pack_turns_a_pack_off() {
    let f = PathBuf::from(fixture("evidence/github/bad-credentials-401.http"));
    let url = "https://api.github.com/user";
    let on = diagnose(&["--url", url], &f);
    assert_eq!(on[0].1, "github/bad-credentials");
    let off = diagnose(&["--url", url, "--no-pack", "github"], &f);
    assert!(
        pack_of(&off[0].1).is_none() && off[0].0.is_empty(),
        "with --no-pack github: {off:?}"
    );
    // Another pack stays on, and a name that is no built-in pack is refused.
    let stripe = PathBuf::from(fixture("evidence/stripe/api-key-expired-401.http"));
    let got = diagnose(
        &[
            "--url",
            "https://api.stripe.com/v1/charges",
            "--no-pack",
            "github",
        ],
        &stripe,
    );
    assert_eq!(got[0].1, "stripe/api-key-expired");
    run_with(&["--no-pack", "acme", f.to_str().unwrap()], Vec::new())
        .one_line_error("--no-pack acme");
    let list = apidiag()
        .args(["rules", "list", "--no-pack", "github"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&list.stdout).contains("github/"));
}

/// The proxies pack is a layer (`recognise.layer`): a proxy's own page is the proxy's
/// whatever API the request went to, and `--no-pack proxies` hands it back to the
/// generic rules.
#[test]
fn a_proxy_page_is_the_proxys_whatever_the_host() {
    let f = PathBuf::from(fixture("evidence/proxies/nginx-502-bad-gateway.http"));
    for url in [
        "https://api.github.com/repos/octo/app",
        "https://api.stripe.com/v1/charges",
        "http://127.0.0.1:8080/v1/orders",
    ] {
        let got = diagnose(&["--url", url], &f);
        assert_eq!(
            got,
            vec![("proxies".into(), "proxies/nginx-502-bad-gateway".into())],
            "{url}"
        );
    }
    let off = diagnose(
        &[
            "--url",
            "https://api.github.com/repos/octo/app",
            "--no-pack",
            "proxies",
        ],
        &f,
    );
    assert_eq!(off[0].1, "http/nginx-error-page", "{off:?}");
}

/// An API's own error that merely passed through a proxy stays the API's: Anthropic's
/// JSON 529 carries `server: cloudflare` and `cf-ray`, and a JSON 502 sent through
/// nginx is not nginx's page.
#[test]
fn an_apis_error_behind_a_proxy_stays_the_apis() {
    let f = PathBuf::from(fixture("evidence/anthropic/overloaded-error-529.http"));
    for args in [
        vec![],
        vec!["--url", "https://api.anthropic.com/v1/messages"],
    ] {
        let got = diagnose(&args, &f);
        assert_eq!(got[0].1, "anthropic/overloaded-error", "{args:?}: {got:?}");
    }
    let json_502 = "HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"message\":\"upstream failed\"}}\n";
    let r = run_with(
        &[
            "--format",
            "json",
            "--url",
            "https://api.example.com/v1/orders",
            "-",
        ],
        json_502,
    );
    r.no_panic("json 502 behind nginx");
    let lines = r.json_lines();
    assert!(!lines.is_empty(), "no diagnosis for the JSON 502");
    for d in lines {
        let rule = d["rule"].as_str().unwrap_or("");
        assert!(!rule.starts_with("proxies/"), "a JSON 502 got {rule}");
    }
}
