//! A deterministic generator of large, realistic nginx configurations, used
//! to benchmark the parser (`parse-bench`) and to check that it reads what
//! nginx itself accepts.
//!
//! The output is a complete `nginx.conf` that `nginx -t` accepts (no host
//! names to resolve, no files to include besides the generated ones, logs to
//! `/dev/null`): an `events` block and an `http` block with `upstream`s,
//! `map`/`geo`/`split_clients`/`types` blocks, `log_format`s and thousands of
//! `server`s with every kind of `location` (prefix, `=`, `^~`, `~`, `~*`,
//! named, nested), WebSocket proxying, `if`, `return`, `add_header`,
//! comments and quoted arguments.
//!
//! ```
//! use nginx_wslint_bench::{generate, GenOptions};
//!
//! let config = generate(&GenOptions { size_bytes: 20_000, seed: 1, includes: 0 });
//! assert!(config.main.starts_with("# Generated"));
//! assert!(config.total_bytes() >= 20_000);
//! ```

use std::fmt::{self, Write as _};
use std::io;
use std::path::{Path, PathBuf};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast and good enough to vary
/// a configuration; the same seed always gives the same output.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift; the bias is
    /// negligible for the small ranges used here.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0)");
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Approximate total size in bytes (of all files together); servers are
    /// emitted until it is reached.
    pub size_bytes: usize,
    pub seed: u64,
    /// When non-zero, the servers go into this many files
    /// `conf.d/sites-N.conf` (N from 1) and the main file has
    /// `include conf.d/*.conf;` in `http`.
    pub includes: usize,
}

impl Default for GenOptions {
    fn default() -> GenOptions {
        GenOptions {
            size_bytes: 4_000_000,
            seed: 1,
            includes: 0,
        }
    }
}

/// Counts of what was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub servers: usize,
    pub upstreams: usize,
    pub maps: usize,
    pub locations: usize,
}

/// A generated configuration: the main file and, with
/// [`GenOptions::includes`], the included files.
#[derive(Debug, Clone)]
pub struct GeneratedConfig {
    pub main: String,
    /// Included files, by path relative to the main file's directory.
    pub includes: Vec<(PathBuf, String)>,
    pub stats: Stats,
}

impl GeneratedConfig {
    /// Size of all files together, in bytes.
    pub fn total_bytes(&self) -> usize {
        self.main.len() + self.includes.iter().map(|(_, s)| s.len()).sum::<usize>()
    }

    /// Writes the main file to `main_path` and the included files next to
    /// it, creating directories as needed.
    pub fn write_to(&self, main_path: &Path) -> io::Result<()> {
        let dir = main_path.parent().unwrap_or(Path::new(""));
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(main_path, &self.main)?;
        for (rel, text) in &self.includes {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)?;
        }
        Ok(())
    }
}

/// The servers listen on `127.0.0.1` ports `PORT_BASE..PORT_BASE + PORTS`:
/// few enough that nginx needs few sockets, so most servers share a port and
/// are told apart by name. Each port has one catch-all `default_server`.
pub const PORT_BASE: u16 = 18000;
pub const PORTS: u16 = 16;

/// Indenting writer.
struct Out {
    buf: String,
    depth: usize,
}

impl Out {
    fn new(depth: usize) -> Out {
        Out {
            buf: String::new(),
            depth,
        }
    }

    fn line(&mut self, args: fmt::Arguments<'_>) {
        for _ in 0..self.depth {
            self.buf.push_str("    ");
        }
        self.buf.write_fmt(args).expect("writing to a String");
        self.buf.push('\n');
    }

    fn open(&mut self, args: fmt::Arguments<'_>) {
        for _ in 0..self.depth {
            self.buf.push_str("    ");
        }
        self.buf.write_fmt(args).expect("writing to a String");
        self.buf.push_str(" {\n");
        self.depth += 1;
    }

    fn close(&mut self) {
        self.depth -= 1;
        self.line(format_args!("}}"));
    }

    fn blank(&mut self) {
        self.buf.push('\n');
    }

    fn len(&self) -> usize {
        self.buf.len()
    }
}

macro_rules! w {
    ($out:expr, $($arg:tt)*) => { $out.line(format_args!($($arg)*)) };
}

macro_rules! open {
    ($out:expr, $($arg:tt)*) => { $out.open(format_args!($($arg)*)) };
}

/// Shared state of one generation run.
struct Gen {
    rng: SplitMix64,
    upstreams: usize,
    maps: usize,
    stats: Stats,
}

/// Generates a configuration. Deterministic: the same options give the same
/// bytes.
pub fn generate(options: &GenOptions) -> GeneratedConfig {
    let budget = options.size_bytes.max(1);
    // Upstreams take about 15% of the budget (~190 bytes each), maps ~3%.
    let upstreams = (budget * 15 / 100 / 190).max(8);
    let maps = (budget * 3 / 100 / 330).max(4);
    let mut g = Gen {
        rng: SplitMix64::new(options.seed),
        upstreams,
        maps,
        stats: Stats::default(),
    };

    let mut main = Out::new(0);
    g.head(&mut main, options);
    main.depth = 1;
    for i in 0..g.upstreams {
        g.upstream(&mut main, i);
    }
    main.blank();
    g.all_maps(&mut main);
    main.blank();
    g.default_servers(&mut main);

    let mut includes = Vec::new();
    if options.includes == 0 {
        let closing = "}\n".len();
        let mut i = 0;
        while main.len() + closing < budget {
            g.server(&mut main, i);
            i += 1;
        }
    } else {
        w!(main, "# Sites, one file per group of servers.");
        w!(main, "include conf.d/*.conf;");
        let first = main.len() + "}\n".len();
        let rest = budget.saturating_sub(first);
        let mut i = 0;
        let mut written = 0;
        for k in 0..options.includes {
            let target = rest * (k + 1) / options.includes;
            let mut file = Out::new(0);
            w!(file, "# conf.d/sites-{}.conf: generated sites.", k + 1);
            file.blank();
            loop {
                g.server(&mut file, i);
                i += 1;
                if written + file.len() >= target {
                    break;
                }
            }
            written += file.len();
            includes.push((
                PathBuf::from(format!("conf.d/sites-{}.conf", k + 1)),
                file.buf,
            ));
        }
    }
    main.depth = 0;
    w!(main, "}}");

    g.stats.upstreams = g.upstreams;
    g.stats.maps = g.maps + 1;
    GeneratedConfig {
        main: main.buf,
        includes,
        stats: g.stats,
    }
}

const LOCATION_KINDS: usize = 16;

impl Gen {
    fn head(&mut self, o: &mut Out, options: &GenOptions) {
        w!(
            o,
            "# Generated by nginx-wslint-bench gen-config (seed {}, about {} bytes).",
            options.seed,
            options.size_bytes
        );
        w!(
            o,
            "# Synthetic: every address is local or private, nothing resolves."
        );
        o.blank();
        w!(o, "worker_processes 1;");
        w!(o, "worker_rlimit_nofile 8192;");
        w!(o, "error_log stderr warn;");
        o.blank();
        open!(o, "events");
        w!(o, "worker_connections 1024;");
        w!(o, "multi_accept on;");
        o.close();
        o.blank();
        open!(o, "http");
        w!(
            o,
            "# Thousands of names and variables: size the hashes for them."
        );
        w!(o, "server_names_hash_bucket_size 128;");
        w!(o, "server_names_hash_max_size 65536;");
        w!(o, "map_hash_bucket_size 128;");
        w!(o, "map_hash_max_size 4096;");
        w!(o, "variables_hash_bucket_size 128;");
        w!(o, "variables_hash_max_size 4096;");
        w!(o, "proxy_headers_hash_bucket_size 128;");
        w!(o, "proxy_headers_hash_max_size 1024;");
        w!(o, "types_hash_max_size 2048;");
        o.blank();
        open!(o, "types");
        w!(o, "text/html                html htm shtml;");
        w!(o, "text/css                 css;");
        w!(o, "text/plain               txt;");
        w!(o, "application/javascript   js mjs;");
        w!(o, "application/json         json;");
        w!(o, "image/png                png;");
        w!(o, "image/svg+xml            svg svgz;");
        w!(o, "font/woff2               woff2;");
        o.close();
        w!(o, "default_type application/octet-stream;");
        w!(o, "charset utf-8;");
        o.blank();
        w!(
            o,
            "log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '"
        );
        w!(
            o,
            "                '$status $body_bytes_sent \"$http_referer\" '"
        );
        w!(
            o,
            "                '\"$http_user_agent\" \"$http_x_forwarded_for\" rt=$request_time';"
        );
        w!(
            o,
            "log_format ws escape=json '{{\"time\":\"$time_iso8601\",\"host\":\"$host\",'"
        );
        w!(
            o,
            "              '\"upgrade\":\"$http_upgrade\",\"status\":$status,\"upstream\":\"$upstream_addr\"}}';"
        );
        w!(o, "access_log /dev/null main;");
        o.blank();
        w!(o, "sendfile on;");
        w!(o, "tcp_nopush on;");
        w!(o, "tcp_nodelay on;");
        w!(o, "keepalive_timeout 65s;");
        w!(o, "server_tokens off;");
        w!(o, "client_max_body_size 8m;");
        w!(o, "gzip on;");
        w!(
            o,
            "gzip_types text/plain text/css application/json application/javascript image/svg+xml;"
        );
        w!(o, "gzip_min_length 1024;");
        w!(
            o,
            "limit_req_zone $binary_remote_addr zone=perip:10m rate=20r/s;"
        );
        w!(o, "limit_conn_zone $binary_remote_addr zone=peraddr:10m;");
        w!(o, "proxy_connect_timeout 5s;");
        w!(o, "proxy_buffers 16 16k;");
        o.blank();
    }

    fn upstream(&mut self, o: &mut Out, i: usize) {
        let r = &mut self.rng;
        if r.chance(10) {
            w!(o, "# pool {i}: {}", r.pick(&POOL_NOTES));
        }
        open!(o, "upstream upstream_{i}");
        // 0: round robin, 1: least_conn, 2: ip_hash, 3: hash.
        let balancer = r.below(4);
        match balancer {
            1 => w!(o, "least_conn;"),
            2 => w!(o, "ip_hash;"),
            3 => w!(o, "hash $request_uri consistent;"),
            _ => {}
        }
        let n = r.range(1, 4);
        let net = r.below(256);
        let port = *r.pick(&[3000, 8000, 8080, 8443, 9000, 5000]);
        for s in 0..n {
            let host = r.range(2, 254);
            let mut params = String::new();
            if r.chance(30) {
                let _ = write!(params, " weight={}", r.range(1, 10));
            }
            if r.chance(40) {
                let _ = write!(
                    params,
                    " max_fails={} fail_timeout={}s",
                    r.range(1, 5),
                    r.pick(&[5, 10, 30])
                );
            }
            if s > 0 && s == n - 1 && balancer < 2 && r.chance(30) {
                params.push_str(" backup");
            }
            w!(
                o,
                "server 10.{}.{}.{}:{}{};",
                i % 256,
                net,
                host,
                port,
                params
            );
        }
        if r.chance(60) {
            w!(o, "keepalive {};", r.pick(&[8, 16, 32, 64]));
        }
        if r.chance(20) {
            w!(o, "keepalive_timeout 60s;");
        }
        o.close();
    }

    fn all_maps(&mut self, o: &mut Out) {
        w!(
            o,
            "# WebSocket: forward the Connection header nginx would drop."
        );
        open!(o, "map $http_upgrade $connection_upgrade");
        w!(o, "default upgrade;");
        w!(o, "''      close;");
        o.close();
        o.blank();
        open!(o, "geo $internal_net");
        w!(o, "default        0;");
        w!(o, "127.0.0.1      1;");
        w!(o, "10.0.0.0/8     1;");
        w!(o, "192.168.0.0/16 1;");
        o.close();
        open!(
            o,
            "split_clients \"${{remote_addr}}${{http_user_agent}}\" $variant"
        );
        w!(o, "10%   beta;");
        w!(o, "*     stable;");
        o.close();
        for i in 0..self.maps {
            self.map(o, i);
        }
    }

    fn map(&mut self, o: &mut Out, i: usize) {
        let r = &mut self.rng;
        match i % 3 {
            0 => {
                open!(o, "map $request_uri $route_{i}");
                w!(o, "default            \"web\";");
                w!(o, "~^/api/v{}/        \"api-v{}\";", i % 4 + 1, i % 4 + 1);
                w!(o, "~^/api             api;");
                w!(o, "~*\\.(png|jpe?g)$   static;");
                w!(
                    o,
                    "\"~^/u/[0-9]{{3,}}$\" user; # quoted: the regex has braces"
                );
                w!(o, "/healthz           health;");
            }
            1 => {
                open!(o, "map $http_host $tenant_{i}");
                w!(o, "hostnames;");
                w!(o, "default                 none;");
                for j in 0..r.range(2, 6) {
                    let n = i * 10 + j;
                    w!(o, ".t{n}.example.com        tenant{n};");
                }
                w!(o, "*.m{i}.example.org      mobile;");
            }
            _ => {
                open!(o, "map $http_user_agent $is_bot_{i}");
                w!(o, "default                   0;");
                w!(o, "~*(googlebot|bingbot)    1;");
                w!(o, "\"~*yandex\"               1;");
                w!(o, "'curl/7.88.1'            2;");
            }
        }
        o.close();
    }

    /// One catch-all server per port, so every port has a `default_server`.
    fn default_servers(&mut self, o: &mut Out) {
        for p in 0..PORTS {
            open!(o, "server");
            w!(o, "listen 127.0.0.1:{} default_server;", PORT_BASE + p);
            if p == 0 {
                w!(
                    o,
                    "server_name _ *.example.com ~^(?<sub>.+)\\.example\\.net$;"
                );
            } else {
                w!(o, "server_name _;");
            }
            w!(o, "return 444;");
            o.close();
        }
        o.blank();
    }

    fn server(&mut self, o: &mut Out, i: usize) {
        self.stats.servers += 1;
        let port = PORT_BASE + (i % PORTS as usize) as u16;
        let kind = self.rng.below(10);
        if self.rng.chance(40) {
            w!(o, "# site {i}: {}", self.rng.pick(&SITE_NOTES));
        }
        open!(o, "server");
        w!(o, "listen 127.0.0.1:{port};");
        if kind < 2 {
            // A redirect-only server.
            w!(o, "server_name old{i}.example.com www.old{i}.example.com;");
            w!(o, "return 301 https://site{i}.example.com$request_uri;");
            o.close();
            return;
        }
        let names = match self.rng.below(4) {
            0 => format!("site{i}.example.com www.site{i}.example.com"),
            1 => format!("site{i}.example.com *.site{i}.example.com"),
            2 => format!("site{i}.example.com \"~^(?<sub>[a-z0-9-]+)\\.s{i}\\.example\\.net$\""),
            _ => format!("site{i}.example.com site{i}.example.org"),
        };
        w!(o, "server_name {names};");
        w!(o, "root /srv/www/site{i}/public;");
        w!(o, "index index.html index.php;");
        if self.rng.chance(50) {
            w!(
                o,
                "access_log /dev/null {};",
                self.rng.pick(&["main", "ws"])
            );
        }
        if self.rng.chance(30) {
            w!(o, "client_max_body_size {}m;", self.rng.pick(&[1, 16, 64]));
        }
        if self.rng.chance(40) {
            w!(o, "set $site_id \"site-{i}\";");
        }
        if self.rng.chance(60) {
            w!(o, "add_header X-Frame-Options \"SAMEORIGIN\" always;");
            w!(o, "add_header X-Content-Type-Options nosniff;");
        }
        if self.rng.chance(30) {
            w!(
                o,
                "add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;"
            );
        }
        if self.rng.chance(30) {
            let m = self.rng.below(self.maps);
            let var = match m % 3 {
                0 => "route",
                1 => "tenant",
                _ => "is_bot",
            };
            w!(o, "add_header X-Map-{m} ${var}_{m};");
        }
        if self.rng.chance(20) {
            open!(o, "if ($request_method = POST)");
            w!(o, "return 405;");
            o.close();
        }
        if self.rng.chance(15) {
            open!(o, "if ($host = 'www.site{i}.example.com')");
            w!(o, "return 301 https://site{i}.example.com$request_uri;");
            o.close();
        }
        if self.rng.chance(25) {
            w!(o, "error_page 404 /404.html;");
            w!(o, "error_page 500 502 503 504 /50x.html;");
        }

        // Distinct location kinds, so no path repeats within the server.
        let mut kinds: Vec<usize> = (0..LOCATION_KINDS).collect();
        self.rng.shuffle(&mut kinds);
        let count = if kind < 5 {
            self.rng.range(2, 5)
        } else {
            self.rng.range(4, 10)
        };
        for &k in &kinds[..count] {
            self.location(o, k, i);
        }
        o.close();
    }

    fn upstream_name(&mut self) -> String {
        format!("upstream_{}", self.rng.below(self.upstreams))
    }

    fn location(&mut self, o: &mut Out, kind: usize, site: usize) {
        self.stats.locations += 1;
        match kind {
            0 => {
                open!(o, "location /");
                if self.rng.chance(50) {
                    w!(o, "try_files $uri $uri/ /index.php?$query_string;");
                } else {
                    w!(o, "try_files $uri $uri/ =404;");
                }
                o.close();
            }
            1 => {
                open!(o, "location = /healthz");
                w!(o, "access_log off;");
                w!(o, "default_type text/plain;");
                w!(o, "return 200 \"ok\\n\";");
                o.close();
            }
            2 => {
                open!(o, "location = /robots.txt");
                w!(o, "add_header Cache-Control \"public, max-age=86400\";");
                w!(o, "return 200 \"User-agent: *\\nDisallow: /admin/\\n\";");
                o.close();
            }
            3 => {
                open!(o, "location ^~ /static/");
                w!(o, "expires 30d;");
                w!(o, "add_header Cache-Control \"public, immutable\";");
                w!(o, "access_log off;");
                self.stats.locations += 1;
                open!(o, "location ~* \\.(js|css)$");
                w!(o, "gzip_static on;");
                w!(o, "expires 7d;");
                o.close();
                o.close();
            }
            4 => {
                open!(o, "location ~ \\.php$");
                w!(o, "try_files $uri =404;");
                w!(o, "fastcgi_pass 127.0.0.1:9000;");
                w!(o, "fastcgi_index index.php;");
                w!(
                    o,
                    "fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;"
                );
                w!(o, "fastcgi_param QUERY_STRING $query_string;");
                w!(o, "fastcgi_param REQUEST_METHOD $request_method;");
                w!(o, "fastcgi_read_timeout 60s;");
                o.close();
            }
            5 => {
                open!(o, "location ~* \\.(js|css)$");
                w!(o, "expires 7d;");
                w!(o, "add_header Cache-Control \"public\";");
                o.close();
            }
            6 => {
                open!(o, "location ~* \\.(?:png|jpe?g|gif|ico|svg|webp)$");
                w!(o, "expires 30d;");
                w!(o, "access_log off;");
                w!(o, "log_not_found off;");
                o.close();
            }
            7 | 8 => {
                let path = if kind == 7 {
                    "/ws/"
                } else {
                    *self.rng.pick(&["/socket.io/", "/cable", "/realtime/"])
                };
                let upstream = self.upstream_name();
                w!(o, "# WebSocket endpoint");
                open!(o, "location {path}");
                w!(o, "proxy_pass http://{upstream};");
                w!(o, "proxy_http_version 1.1;");
                w!(o, "proxy_set_header Upgrade $http_upgrade;");
                w!(o, "proxy_set_header Connection $connection_upgrade;");
                w!(o, "proxy_set_header Host $host;");
                w!(o, "proxy_read_timeout 1h; # idle sockets stay open");
                if self.rng.chance(50) {
                    w!(o, "proxy_send_timeout 1h;");
                    w!(o, "proxy_buffering off;");
                }
                if self.rng.chance(30) {
                    w!(o, "access_log /dev/null ws;");
                }
                o.close();
            }
            9 => {
                let upstream = self.upstream_name();
                open!(o, "location /api/");
                w!(o, "proxy_pass http://{upstream};");
                w!(o, "proxy_set_header Host $host;");
                w!(o, "proxy_set_header X-Real-IP $remote_addr;");
                w!(
                    o,
                    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"
                );
                w!(o, "proxy_set_header X-Forwarded-Proto $scheme;");
                w!(o, "limit_req zone=perip burst=40 nodelay;");
                if self.rng.chance(50) {
                    let v2 = self.upstream_name();
                    self.stats.locations += 1;
                    open!(o, "location /api/v2/");
                    w!(o, "proxy_pass http://{v2};");
                    w!(o, "proxy_set_header X-Api-Version \"2\";");
                    o.close();
                }
                o.close();
            }
            10 => {
                open!(o, "location /admin/");
                w!(o, "allow 10.0.0.0/8;");
                w!(o, "allow 127.0.0.1;");
                w!(o, "deny all;");
                self.stats.locations += 2;
                open!(o, "location /admin/uploads/");
                w!(o, "client_max_body_size 100m;");
                w!(o, "limit_conn peraddr 4;");
                o.close();
                open!(o, "location ~ \\.php$");
                w!(o, "fastcgi_pass 127.0.0.1:9001;");
                w!(
                    o,
                    "fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;"
                );
                o.close();
                o.close();
            }
            11 => {
                let upstream = self.upstream_name();
                open!(o, "location @backend");
                w!(o, "proxy_pass http://{upstream};");
                w!(o, "proxy_set_header Host $host;");
                w!(o, "proxy_next_upstream error timeout http_502;");
                o.close();
            }
            12 => {
                open!(o, "location ~ \"^/u/([0-9]{{1,6}})$\"");
                w!(o, "return 302 /users/$1;");
                o.close();
            }
            13 => {
                open!(o, "location /old-blog/");
                w!(o, "rewrite ^/old-blog/(.*)$ /blog/$1 permanent;");
                o.close();
            }
            14 => {
                open!(o, "location /readonly/");
                open!(o, "if ($request_method = POST)");
                w!(o, "return 405;");
                o.close();
                w!(o, "alias /srv/www/site{site}/readonly/;");
                w!(o, "autoindex on;");
                o.close();
            }
            _ => {
                open!(o, "location = /version");
                w!(o, "default_type application/json;");
                w!(
                    o,
                    "return 200 '{{\"site\":{site},\"variant\":\"$variant\",\"internal\":$internal_net}}';"
                );
                o.close();
            }
        }
    }
}

const POOL_NOTES: [&str; 4] = [
    "application servers",
    "canary; keep small",
    "migrated from the old cluster",
    "TODO: drain 10.x hosts",
];

const SITE_NOTES: [&str; 6] = [
    "customer portal",
    "marketing site, mostly static",
    "chat (WebSocket) frontend",
    "legacy PHP app",
    "internal dashboard",
    "api gateway",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        let options = GenOptions {
            size_bytes: 50_000,
            seed: 7,
            includes: 0,
        };
        assert_eq!(generate(&options).main, generate(&options).main);
        let other = GenOptions {
            seed: 8,
            ..options.clone()
        };
        assert_ne!(generate(&options).main, generate(&other).main);
    }

    #[test]
    fn size_is_approximate() {
        for size in [10_000, 100_000, 1_000_000] {
            for includes in [0, 3] {
                let config = generate(&GenOptions {
                    size_bytes: size,
                    seed: 1,
                    includes,
                });
                let total = config.total_bytes();
                assert!(total >= size, "{total} < {size}");
                assert!(total < size + 20_000, "{total} too far above {size}");
                assert_eq!(config.includes.len(), includes);
            }
        }
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = SplitMix64::new(0);
        for n in 1..100 {
            for _ in 0..100 {
                assert!(rng.below(n) < n);
            }
        }
    }
}
