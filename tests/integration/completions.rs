//! Shell completion, end to end:
//! - the committed scripts under `completions/` are what `apidiag completions SHELL` and
//!   `COMPLETE=SHELL apidiag` print now (`APIDIAG_BLESS=1 cargo test --test integration completions::`
//!   rewrites them), and name no build path;
//! - bash, zsh and fish accept them (`-n` / `--no-execute`);
//! - a real round trip in bash and fish (and zsh, through `zpty`) with the built binary on
//!   `PATH`: `apidiag explain hack<TAB>` offers the hacktron rule ids, and after
//!   `apidiag run … --` the shell's own completion of the client (`curl --verb<TAB>`).
//!
//! A shell that is not installed is skipped with a message, except under `CI=true`, where
//! it is a failure (`.ci/run` installs zsh and fish). PowerShell is drift-tested only.

use crate::common;
use common::check_or_bless;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCRIPTS: &[(&str, &str)] = &[
    ("bash", "apidiag.bash"),
    ("zsh", "_apidiag"),
    ("fish", "apidiag.fish"),
    ("elvish", "apidiag.elv"),
    ("powershell", "_apidiag.ps1"),
];

fn committed(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(file)
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_apidiag"))
}

/// A command with the variables that change apidiag's or a shell's behaviour removed, and
/// a fresh HOME so no user rule file or shell config is read.
fn clean(program: impl AsRef<std::ffi::OsStr>, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars_os() {
        let key_s = key.to_string_lossy();
        if key_s.starts_with("APIDIAG_")
            || key_s.starts_with("CLICOLOR")
            || key_s.starts_with("XDG_")
            || key_s.starts_with("_CLAP_")
            || matches!(
                &*key_s,
                "NO_COLOR" | "TERM" | "COLORTERM" | "COMPLETE" | "BASH_ENV" | "ENV" | "ZDOTDIR"
            )
        {
            cmd.env_remove(key);
        }
    }
    let path = std::env::join_paths(
        std::iter::once(bin().parent().unwrap().to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    cmd.env("PATH", path).env("HOME", home).current_dir(home);
    cmd
}

fn run(mut cmd: Command) -> Output {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

/// Is `shell` here? Missing: skip with a message, or fail under `CI=true`.
fn have(shell: &str) -> bool {
    let found = Command::new(shell)
        .arg("-c")
        .arg("exit 0")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "{shell} is not installed and CI=true: install it (apt-get install -y {shell})"
        );
        // Straight to stderr, past the test harness's capture, so a plain `cargo test` shows it.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "skipping the {shell} checks: {shell} is not installed (CI=true makes this a failure)"
        );
    }
    found
}

#[test]
fn committed_scripts_are_what_apidiag_prints() {
    let home = tempfile::tempdir().unwrap();
    for (shell, file) in SCRIPTS {
        let mut cmd = clean(bin(), home.path());
        cmd.args(["completions", shell]);
        let generated = stdout(&run(cmd));
        check_or_bless(&committed(file), &generated);

        // The registration CompleteEnv prints is the same text, whatever path ran it.
        let mut cmd = clean(bin(), home.path());
        cmd.env("COMPLETE", shell);
        assert_eq!(
            stdout(&run(cmd)),
            generated,
            "COMPLETE={shell} apidiag differs from `apidiag completions {shell}`"
        );
    }
}

#[test]
fn committed_scripts_name_no_build_path() {
    for (shell, file) in SCRIPTS {
        let text = std::fs::read_to_string(committed(file)).unwrap();
        for bad in [
            "/work/",
            "target/",
            env!("CARGO_MANIFEST_DIR"),
            &bin().display().to_string(),
        ] {
            assert!(!text.contains(bad), "{file} ({shell}) contains {bad:?}");
        }
        assert!(text.contains("apidiag"), "{file} does not name apidiag");
    }
}

#[test]
fn shells_accept_the_scripts() {
    let home = tempfile::tempdir().unwrap();
    for (shell, flag, file) in [
        ("bash", "-n", "apidiag.bash"),
        ("zsh", "-n", "_apidiag"),
        ("fish", "--no-execute", "apidiag.fish"),
    ] {
        if !have(shell) {
            continue;
        }
        let mut cmd = clean(shell, home.path());
        cmd.arg(flag).arg(committed(file));
        run(cmd);
    }
}

const USER_RULES: &str = r#"{
  "api": "acme",
  "name": "Acme REST API",
  "recognise": { "hosts": ["api.acme.example"] },
  "rules": [
    {
      "id": "acme/quota-exceeded",
      "title": "Monthly quota used up",
      "confidence": "documented",
      "when": { "status": 429 },
      "cause": "The monthly quota is used up.",
      "fix": ["Wait for the next month."],
      "examples": { "match": [], "no_match": [] }
    }
  ]
}"#;

/// A scratch directory with files to complete, and the binary's directory on PATH.
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("session.har"), "{}").unwrap();
        std::fs::write(dir.path().join("my-rules.json"), "{}").unwrap();
        std::fs::create_dir(dir.path().join("captures")).unwrap();
        // HOME is this directory: a user rule pack in the default config folder.
        let user = dir.path().join(".config/apidiag/rules");
        std::fs::create_dir_all(&user).unwrap();
        std::fs::write(user.join("acme.json"), USER_RULES).unwrap();
        Self(dir)
    }

    /// What bash offers for `line` (completing its last word; a trailing space starts a
    /// new one), through the function the committed script registers for `apidiag`.
    fn bash(&self, line: &str) -> Vec<String> {
        self.bash_with("", line)
    }

    /// As [`Scratch::bash`], with `prelude` sourced first (bash-completion).
    fn bash_with(&self, prelude: &str, line: &str) -> Vec<String> {
        const SCRIPT: &str = r#"
[[ -n $3 ]] && { source "$3" || exit 5; }
source "$1" || exit 3
spec=$(complete -p apidiag) || exit 4
fn=${spec##*-F }; fn=${fn%% *}
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_TYPE=9
"$fn" apidiag "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
"#;
        let mut cmd = clean("bash", self.0.path());
        cmd.args(["--norc", "--noprofile", "-c", SCRIPT, "bash"])
            .arg(committed("apidiag.bash"))
            .arg(line)
            .arg(prelude);
        lines(&stdout(&run(cmd)))
    }

    /// What fish offers for `line` (`complete -C`), values only. `--no-config` leaves
    /// `fish_complete_path` empty; it is pointed at the completions fish ships (curl's
    /// among them), as fish's own config would.
    fn fish(&self, line: &str) -> Vec<String> {
        let mut cmd = clean("fish", self.0.path());
        cmd.args([
            "--no-config",
            "-c",
            "set fish_complete_path $__fish_data_dir/completions; \
             source $argv[1]; and complete -C $argv[2]",
        ])
        .arg(committed("apidiag.fish"))
        .arg(line);
        lines(&stdout(&run(cmd)))
    }

    /// zsh's completion system on a fresh interactive zsh in a pseudo-terminal (`zpty`),
    /// with the committed `_apidiag` autoloaded from `$fpath` as installed: how many
    /// matches the first TAB found, and the command line after it.
    fn zsh(&self, line: &str) -> (usize, String) {
        const SCRIPT: &str = r#"
zmodload zsh/zpty || exit 3
out=$3
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "_dump() { print -r -- \"BUFFER=\$BUFFER\" >> ${(q)out} }; zle -N _dump; bindkey '^X^D' _dump"
zpty -w z "_post() { print -r -- \"NMATCHES=\$compstate[nmatches]\" >> ${(q)out} }; _cw() { comppostfuncs=(_post); zle complete-word }; zle -N _cw; bindkey '^I' _cw"
zpty -w -n z "$2"$'\t'
for i in {1..100}; do grep -q NMATCHES $out 2>/dev/null && break; sleep 0.1; done
zpty -w -n z $'\C-x\C-d'
for i in {1..100}; do grep -q BUFFER $out 2>/dev/null && break; sleep 0.1; done
zpty -d z
cat $out
"#;
        let out = self.0.path().join(".zsh-out");
        let _ = std::fs::remove_file(&out);
        let mut cmd = clean("zsh", self.0.path());
        cmd.args(["-f", "-c", SCRIPT, "zsh"])
            .arg(committed_dir())
            .arg(line)
            .arg(&out);
        let text = stdout(&run(cmd));
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} from zsh for {line:?}:\n{text}"))
                .to_owned()
        };
        (field("NMATCHES=").parse().unwrap(), field("BUFFER="))
    }
}

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("completions")
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_from_the_real_binary() {
    if !have("bash") {
        return;
    }
    let s = Scratch::new();
    let ids = s.bash("apidiag explain hack");
    assert!(
        ids.contains(&"hacktron/missing-write-scope".to_owned()),
        "{ids:?}"
    );
    assert!(ids.iter().all(|i| i.starts_with("hacktron/")), "{ids:?}");

    let codes = s.bash("apidiag explain 42");
    assert!(codes.contains(&"429".to_owned()), "{codes:?}");
    assert_eq!(s.bash("apidiag --api was"), ["wasviking"]);
    assert_eq!(s.bash("apidiag explain 429 --api tum"), ["tumban"]);
    assert_eq!(s.bash("apidiag rules list --api bla"), ["blazeauth"]);
    assert_eq!(s.bash("apidiag --format j"), ["json"]);
    assert_eq!(s.bash("apidiag completions f"), ["fish"]);
    assert_eq!(s.bash("apidiag expl"), ["explain"]);
    assert_eq!(s.bash("apidiag sess"), ["session.har"]);
    assert_eq!(s.bash("apidiag rules check my"), ["my-rules.json"]);
    assert_eq!(s.bash("apidiag --rules cap"), ["captures/"]);
    // The user's own rules complete too.
    assert_eq!(s.bash("apidiag explain acme/"), ["acme/quota-exceeded"]);
    assert_eq!(s.bash("apidiag --api ac"), ["acme"]);
}

#[test]
fn fish_completes_from_the_real_binary() {
    if !have("fish") {
        return;
    }
    let s = Scratch::new();
    let ids = s.fish("apidiag explain hack");
    assert!(
        ids.contains(&"hacktron/missing-write-scope".to_owned()),
        "{ids:?}"
    );
    assert!(ids.iter().all(|i| i.starts_with("hacktron/")), "{ids:?}");
    assert_eq!(s.fish("apidiag --api was"), ["wasviking"]);
    assert_eq!(s.fish("apidiag --format mark"), ["markdown"]);
    assert_eq!(s.fish("apidiag sess"), ["session.har"]);
}

#[test]
fn zsh_completes_from_the_real_binary() {
    if !have("zsh") {
        return;
    }
    let s = Scratch::new();
    // The first TAB in a fresh shell already completes (the script is autoloaded then).
    let (n, line) = s.zsh("apidiag explain hack");
    assert!(n >= 2, "{n} matches");
    assert_eq!(line, "apidiag explain hacktron/");
    let (n, line) = s.zsh("apidiag explain hacktron/missing-w");
    assert_eq!(
        (n, line.as_str()),
        (1, "apidiag explain hacktron/missing-write-scope ")
    );
    let (_, line) = s.zsh("apidiag --api wasv");
    assert_eq!(line, "apidiag --api wasviking ");
}

/// After `run … --` bash completes the client's own command line through
/// bash-completion's `_command_offset` (skipped, with a message, where bash-completion
/// is not installed: then apidiag's own completion goes on as before).
#[test]
fn bash_delegates_to_the_clients_completion_after_run() {
    let bash_completion = Path::new("/usr/share/bash-completion/bash_completion");
    if !have("bash") {
        return;
    }
    if !bash_completion.exists()
        || !Path::new("/usr/share/bash-completion/completions/curl").exists()
    {
        eprintln!(
            "skipping the run -- delegation check: bash-completion (with curl's) is not installed"
        );
        return;
    }
    let s = Scratch::new();
    let with = |line: &str| s.bash_with(&bash_completion.display().to_string(), line);
    assert!(with("apidiag run -- cur").contains(&"curl".to_owned()));
    assert_eq!(with("apidiag run -- curl --verb"), ["--verbose"]);
    assert_eq!(with("apidiag run -f json -- curl --verb"), ["--verbose"]);
    // Before the `--`, apidiag's own options; elsewhere, as before.
    assert!(with("apidiag run --for").contains(&"--format".to_owned()));
    assert_eq!(with("apidiag --format j"), ["json"]);
}

/// After `run … --` fish completes the client's own command line (fish ships curl's
/// completions); before the `--` and elsewhere, apidiag's own.
#[test]
fn fish_delegates_to_the_clients_completion_after_run() {
    if !have("fish") {
        return;
    }
    let s = Scratch::new();
    assert!(s.fish("apidiag run -- cur").contains(&"curl".to_owned()));
    assert_eq!(s.fish("apidiag run -- curl --verb"), ["--verbose"]);
    assert_eq!(s.fish("apidiag run -f json -- curl --verb"), ["--verbose"]);
    // The client's words are quoted again before fish reads the line a second time.
    assert_eq!(
        s.fish("apidiag run -- curl -H 'X-A: b c' --verb"),
        ["--verbose"]
    );
    assert!(s.fish("apidiag run --for").contains(&"--format".to_owned()));
    assert_eq!(s.fish("apidiag --format mark"), ["markdown"]);
}

/// After `run … --` zsh completes the client's own command line through `_normal`
/// (zsh ships `_curl`); before the `--` and elsewhere, apidiag's own.
#[test]
fn zsh_delegates_to_the_clients_completion_after_run() {
    if !have("zsh") {
        return;
    }
    let s = Scratch::new();
    let (_, line) = s.zsh("apidiag run -- curl --verb");
    assert_eq!(line, "apidiag run -- curl --verbose ");
    let (_, line) = s.zsh("apidiag run -f json -- curl --verb");
    assert_eq!(line, "apidiag run -f json -- curl --verbose ");
    let (_, line) = s.zsh("apidiag run --form");
    assert_eq!(line, "apidiag run --format ");
    let (_, line) = s.zsh("apidiag --api wasv");
    assert_eq!(line, "apidiag --api wasviking ");
}
