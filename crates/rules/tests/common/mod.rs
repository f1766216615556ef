//! Helpers shared by the rules crate's integration tests: linting a file,
//! finding and running a real nginx (in a temporary directory, never as a
//! service), and a small deterministic generator.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nginx_wslint_parser::{context, ConfigSet, LoadOptions};
use nginx_wslint_rules::diagnostic::Diagnostic;
use nginx_wslint_rules::model::Model;
use nginx_wslint_rules::rules::{self, Rule, Settings};

/// `fixtures/` at the workspace root.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The real-world corpus's files (`$NGINX_WSLINT_CORPUS`, else
/// `../shared/corpus/real` beside the repository), sorted; `None`, after a
/// notice, when it is not there.
pub fn corpus_files() -> Option<Vec<PathBuf>> {
    let corpus = std::env::var_os("NGINX_WSLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| fixtures().join("../../shared/corpus/real"));
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        eprintln!("notice: no corpus at {}; fixtures only", corpus.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Some(files)
}

/// The diagnostics of the `selected` rules (default settings) on `path`,
/// including what it includes; the file must parse without error.
pub fn lint_file(path: &Path, selected: &dyn Fn(&Rule) -> bool) -> Vec<Diagnostic> {
    let mut config = ConfigSet::new(LoadOptions {
        prefix: None,
        follow_includes: true,
    });
    let entry = config.load_entry(path).unwrap();
    let file = config.file(entry.file);
    assert!(
        file.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        file.errors
    );
    let model = Model::build(
        &config,
        entry,
        context::resolve_context(file, None).unwrap(),
    );
    rules::check(&model, &Settings::default(), selected)
}

/// The nginx binary, if installed (PATH, then the usual sbin directories).
pub fn nginx_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file())
}

/// The nginx binary, or `None` after the notice `nginx not found;
/// {skipped}`. With `NGINX_WSLINT_REQUIRE_NGINX=1` (CI) a missing nginx
/// fails the test instead.
pub fn nginx_or_skip(skipped: &str) -> Option<PathBuf> {
    let found = nginx_binary();
    if found.is_none() {
        assert!(
            std::env::var("NGINX_WSLINT_REQUIRE_NGINX").as_deref() != Ok("1"),
            "nginx is required (NGINX_WSLINT_REQUIRE_NGINX=1) but not installed: \
             apt-get install -y nginx-light"
        );
        eprintln!("notice: nginx not found; {skipped}");
    }
    found
}

/// Runs `nginx -t` on `config`, written to `dir/nginx.conf` with `dir` as
/// prefix; `Err` holds what nginx printed when it refused.
pub fn nginx_t(nginx: &Path, dir: &Path, config: &str) -> Result<(), String> {
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, config).expect("write nginx.conf");
    let output = Command::new(nginx)
        .arg("-t")
        .arg("-q")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf_path)
        .arg("-e")
        .arg("stderr")
        .arg("-g")
        .arg(format!("pid {}/nginx.pid;", dir.display()))
        .output()
        .expect("run nginx");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A foreground nginx, killed (and reaped) on drop.
pub struct Nginx(pub Child);

impl Nginx {
    /// Starts nginx on `dir/nginx.conf` with `dir` as prefix (the
    /// configuration says `daemon off; master_process off;`) and waits until
    /// it accepts connections on every port of `ports`.
    pub fn start(nginx: &Path, dir: &Path, ports: &[u16]) -> Nginx {
        let child = Command::new(nginx)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .args(["-e", "stderr"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut child = Nginx(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        for &port in ports {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                if let Ok(Some(status)) = child.0.try_wait() {
                    panic!("nginx exited: {status}");
                }
                assert!(Instant::now() < deadline, "nginx did not start");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        child
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A small deterministic generator (splitmix64), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `items`, chosen with the given weights.
    pub fn weighted<'a>(&mut self, items: &[(u32, &'a [u8])]) -> &'a [u8] {
        let total: u32 = items.iter().map(|(w, _)| w).sum();
        let mut pick = (self.next() % u64::from(total)) as u32;
        for (weight, item) in items {
            if pick < *weight {
                return item;
            }
            pick -= weight;
        }
        items[items.len() - 1].1
    }
}
