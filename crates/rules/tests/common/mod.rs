//! Helpers shared by the rules crate's integration tests: finding and
//! running a real nginx (in a temporary directory, never as a service).
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
