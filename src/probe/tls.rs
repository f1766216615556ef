//! TLS for wss:// (rustls with the ring provider): trust the Mozilla roots,
//! the CAs of `--cacert FILE`, or nothing at all (`--insecure`).

use std::io;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring as provider, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct};

/// Which certificates to trust.
pub enum Trust<'a> {
    MozillaRoots,
    CaFile(&'a Path),
    Insecure,
}

/// The client configuration, or a usage error (an unreadable `--cacert`).
pub fn config(trust: Trust<'_>) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(provider::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let config = match trust {
        Trust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth(),
        Trust::MozillaRoots => {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::CaFile(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("cannot read --cacert {}: {e}", path.display()))?;
            for cert in certs {
                let cert =
                    cert.map_err(|e| format!("cannot read --cacert {}: {e}", path.display()))?;
                roots.add(cert).map_err(|e| {
                    format!(
                        "--cacert {}: not a usable CA certificate: {e}",
                        path.display()
                    )
                })?;
            }
            if roots.is_empty() {
                return Err(format!(
                    "--cacert {}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file",
                    path.display()
                ));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    Ok(Arc::new(config))
}

/// What the TLS step found: the negotiated protocol, or why it failed.
pub struct Failure {
    pub detail: String,
    pub hint: String,
}

/// Runs the TLS handshake to completion before the deadline.
pub fn handshake(
    config: Arc<ClientConfig>,
    host: &str,
    mut tcp: TcpStream,
    deadline: Instant,
) -> Result<(rustls::StreamOwned<ClientConnection, TcpStream>, String), Failure> {
    let name = ServerName::try_from(host.to_string()).map_err(|e| Failure {
        detail: format!("`{host}` cannot be used as a TLS server name: {e}"),
        hint: String::new(),
    })?;
    let mut conn = ClientConnection::new(config, name).map_err(|e| Failure {
        detail: e.to_string(),
        hint: String::new(),
    })?;
    while conn.is_handshaking() {
        let now = Instant::now();
        if now >= deadline {
            return Err(timeout_failure());
        }
        let _ = tcp.set_read_timeout(Some(deadline - now));
        match conn.complete_io(&mut tcp) {
            Ok((0, 0)) if conn.is_handshaking() && !conn.wants_write() => {
                return Err(Failure {
                    detail: "the server closed the connection during the TLS handshake".into(),
                    hint: "the port may not speak TLS (try ws://), or the server has no certificate for this name (nginx without ssl_certificate for the server that handles it)".into(),
                })
            }
            Ok(_) => {}
            Err(e) => return Err(explain(&e)),
        }
    }
    let version = conn
        .protocol_version()
        .and_then(|v| v.as_str())
        .unwrap_or("TLS")
        .replace('_', ".")
        .replace("TLSv", "TLS ");
    let suite = conn
        .negotiated_cipher_suite()
        .and_then(|s| s.suite().as_str())
        .unwrap_or("");
    let summary = format!("{version} {suite}").trim().to_string();
    Ok((rustls::StreamOwned::new(conn, tcp), summary))
}

fn timeout_failure() -> Failure {
    Failure {
        detail: "no TLS answer before the timeout".into(),
        hint: "the port may speak plain HTTP and wait for a request (try ws://)".into(),
    }
}

fn explain(e: &io::Error) -> Failure {
    if matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ) {
        return timeout_failure();
    }
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return Failure {
            detail: "the server closed the connection during the TLS handshake".into(),
            hint: "the port probably does not speak TLS (try ws://), or the server has no certificate for this name".into(),
        };
    }
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
        return Failure {
            detail: e.to_string(),
            hint: "the connection broke during the TLS handshake".into(),
        };
    };
    let hint = match tls {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                "the certificate is not signed by a trusted CA: a self-signed or private-CA certificate needs --cacert FILE (the CA's PEM), or --insecure to skip verification; a public site that fails here usually lacks its intermediate certificates (ssl_certificate must hold the full chain)"
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the certificate does not name this host: nginx may have answered with another server block's certificate (the default server for this address), or the URL uses an address the certificate does not list"
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the certificate has expired: renew it (and reload nginx)"
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the certificate is not valid yet: check the clocks"
            }
            _ => "the server's certificate was refused",
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server did not answer with TLS: the port probably speaks plain HTTP (try ws://)"
        }
        rustls::Error::AlertReceived(_) => {
            "the server refused the TLS handshake: no common protocol version or cipher, or no certificate for this server name (SNI)"
        }
        _ => "",
    };
    Failure {
        detail: tls.to_string(),
        hint: hint.to_string(),
    }
}

/// `--insecure`: any certificate is accepted; signatures are still checked
/// so the handshake itself is sound.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
