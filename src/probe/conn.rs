//! A blocking connection (plain TCP or rustls) with deadline-bounded reads,
//! the HTTP answer's head and body, and RFC 6455 frames.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};

/// The largest answer head and frame the probe accepts.
const MAX_HEAD: usize = 64 * 1024;
const MAX_FRAME: u64 = 16 * 1024 * 1024;

pub enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Why a read ended without what it waited for.
#[derive(Debug)]
pub enum ReadError {
    /// The deadline passed.
    Timeout,
    /// The peer closed the connection (TCP FIN, or TLS without
    /// close_notify, or a reset).
    Eof(String),
    /// The bytes are not what the protocol allows.
    Protocol(String),
    Io(io::Error),
}

/// One WebSocket message (data frames reassembled) or control frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Message {
    Text(Vec<u8>),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// The close code (absent when the frame has no body) and reason.
    Close(Option<u16>, String),
}

pub struct Conn {
    stream: Stream,
    buf: Vec<u8>,
}

impl Conn {
    pub fn new(stream: Stream) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.stream.write_all(data)?;
        self.stream.flush()
    }

    /// Reads more bytes into the buffer, waiting at most until `deadline`.
    fn fill(&mut self, deadline: Instant) -> Result<(), ReadError> {
        let now = Instant::now();
        if now >= deadline {
            return Err(ReadError::Timeout);
        }
        let wait = (deadline - now).max(Duration::from_millis(1));
        self.stream
            .tcp()
            .set_read_timeout(Some(wait))
            .map_err(ReadError::Io)?;
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(ReadError::Eof("the connection was closed".into())),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e) => match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Err(ReadError::Timeout),
                io::ErrorKind::Interrupted => Ok(()),
                io::ErrorKind::UnexpectedEof => Err(ReadError::Eof(
                    "the connection was closed (without TLS close_notify)".into(),
                )),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
                    Err(ReadError::Eof(format!("the connection was reset ({e})")))
                }
                _ => Err(ReadError::Io(e)),
            },
        }
    }

    /// The answer's head up to and including the blank line.
    pub fn read_head(&mut self, deadline: Instant) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let rest = self.buf.split_off(end + 4);
                return Ok(std::mem::replace(&mut self.buf, rest));
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReadError::Protocol(format!(
                    "no end of the HTTP head in the first {MAX_HEAD} bytes"
                )));
            }
            match self.fill(deadline) {
                Ok(()) => {}
                Err(ReadError::Eof(_)) if !self.buf.is_empty() => {
                    return Err(ReadError::Protocol(format!(
                        "the connection was closed in the middle of the answer: {:?}",
                        String::from_utf8_lossy(&self.buf[..self.buf.len().min(200)])
                    )))
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Up to `limit` bytes of a body: `content_length` bytes when known,
    /// else whatever arrives before the connection closes or the deadline.
    pub fn read_body(
        &mut self,
        content_length: Option<usize>,
        limit: usize,
        deadline: Instant,
    ) -> Vec<u8> {
        let want = content_length.unwrap_or(limit).min(limit);
        while self.buf.len() < want {
            if self.fill(deadline).is_err() {
                break;
            }
        }
        let n = self.buf.len().min(want);
        self.buf.drain(..n).collect()
    }

    /// The next message (fragments reassembled; control frames as they
    /// come).
    pub fn read_message(&mut self, deadline: Instant) -> Result<Message, ReadError> {
        let mut assembling: Option<(u8, Vec<u8>)> = None;
        loop {
            let (fin, opcode, payload) = self.read_frame(deadline)?;
            match opcode {
                0x8 => {
                    let (code, reason) = match payload.len() {
                        0 => (None, String::new()),
                        1 => return Err(ReadError::Protocol("a close frame of one byte".into())),
                        _ => (
                            Some(u16::from_be_bytes([payload[0], payload[1]])),
                            String::from_utf8_lossy(&payload[2..]).into_owned(),
                        ),
                    };
                    return Ok(Message::Close(code, reason));
                }
                0x9 => return Ok(Message::Ping(payload)),
                0xA => return Ok(Message::Pong(payload)),
                0x0 => {
                    let Some((_, data)) = assembling.as_mut() else {
                        return Err(ReadError::Protocol(
                            "a continuation frame without a message to continue".into(),
                        ));
                    };
                    data.extend_from_slice(&payload);
                }
                0x1 | 0x2 => {
                    if assembling.is_some() {
                        return Err(ReadError::Protocol(
                            "a new message inside a fragmented one".into(),
                        ));
                    }
                    assembling = Some((opcode, payload));
                }
                other => {
                    return Err(ReadError::Protocol(format!(
                        "a frame with the reserved opcode {other:#x}"
                    )))
                }
            }
            if fin {
                if let Some((opcode, data)) = assembling.take() {
                    return Ok(if opcode == 0x1 {
                        Message::Text(data)
                    } else {
                        Message::Binary(data)
                    });
                }
            }
        }
    }

    fn read_frame(&mut self, deadline: Instant) -> Result<(bool, u8, Vec<u8>), ReadError> {
        loop {
            match parse_frame(&self.buf)? {
                Some((fin, opcode, payload, used)) => {
                    self.buf.drain(..used);
                    return Ok((fin, opcode, payload));
                }
                None => self.fill(deadline)?,
            }
        }
    }

    /// Sends one masked client frame.
    pub fn send(&mut self, opcode: u8, payload: &[u8]) -> io::Result<()> {
        let frame = encode_frame(opcode, payload, random_bytes::<4>());
        self.write_all(&frame)
    }

    /// Sends a close frame, waits briefly for the server's, and ends the
    /// connection; errors do not matter any more.
    pub fn close(mut self, code: u16) {
        let _ = self.send(0x8, &code.to_be_bytes());
        let deadline = Instant::now() + Duration::from_secs(1);
        while let Ok(m) = self.read_message(deadline) {
            if matches!(m, Message::Close(..)) {
                break;
            }
        }
        if let Stream::Tls(s) = &mut self.stream {
            s.conn.send_close_notify();
            let _ = s.conn.complete_io(&mut s.sock);
        }
        let _ = self.stream.tcp().shutdown(std::net::Shutdown::Both);
    }
}

/// Parses one frame at the start of `buf`: `(fin, opcode, payload, bytes
/// used)`, or `None` when more bytes are needed.
#[allow(clippy::type_complexity)]
pub fn parse_frame(buf: &[u8]) -> Result<Option<(bool, u8, Vec<u8>, usize)>, ReadError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let fin = buf[0] & 0x80 != 0;
    if buf[0] & 0x70 != 0 {
        return Err(ReadError::Protocol(
            "a frame with reserved bits set (no extension was negotiated)".into(),
        ));
    }
    let opcode = buf[0] & 0x0f;
    let masked = buf[1] & 0x80 != 0;
    let (len, mut at) = match buf[1] & 0x7f {
        126 => {
            if buf.len() < 4 {
                return Ok(None);
            }
            (u64::from(u16::from_be_bytes([buf[2], buf[3]])), 4)
        }
        127 => {
            if buf.len() < 10 {
                return Ok(None);
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(b), 10)
        }
        n => (u64::from(n), 2),
    };
    if len > MAX_FRAME {
        return Err(ReadError::Protocol(format!(
            "a frame of {len} bytes (the probe reads at most {MAX_FRAME})"
        )));
    }
    if opcode >= 0x8 && (len > 125 || !fin) {
        return Err(ReadError::Protocol(
            "a control frame longer than 125 bytes or fragmented".into(),
        ));
    }
    let mask = if masked {
        if buf.len() < at + 4 {
            return Ok(None);
        }
        let m = [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]];
        at += 4;
        Some(m)
    } else {
        None
    };
    let len = len as usize;
    if buf.len() < at + len {
        return Ok(None);
    }
    let mut payload = buf[at..at + len].to_vec();
    if let Some(m) = mask {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= m[i % 4];
        }
    }
    Ok(Some((fin, opcode, payload, at + len)))
}

/// A final, masked frame.
pub fn encode_frame(opcode: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 14);
    frame.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= 0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if SystemRandom::new().fill(&mut out).is_err() {
        // No system randomness: fall back to the clock (masks need not be
        // secret for a probe).
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in out.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
        }
    }
    out
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_through_encode_and_parse() {
        for len in [0usize, 5, 125, 126, 300, 0xffff, 0x10000] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let frame = encode_frame(0x1, &payload, [9, 8, 7, 6]);
            let (fin, opcode, got, used) = parse_frame(&frame).unwrap().unwrap();
            assert!(fin);
            assert_eq!(opcode, 1);
            assert_eq!(got, payload);
            assert_eq!(used, frame.len());
            // Every prefix asks for more bytes.
            assert!(parse_frame(&frame[..frame.len() - 1]).unwrap().is_none());
        }
    }

    #[test]
    fn server_frames_are_unmasked() {
        let frame = [0x88, 0x04, 0x03, 0xf3, b'b', b'y'];
        let (_, opcode, payload, used) = parse_frame(&frame).unwrap().unwrap();
        assert_eq!((opcode, used), (0x8, 6));
        assert_eq!(payload, [0x03, 0xf3, b'b', b'y']);
    }

    #[test]
    fn reserved_bits_and_long_control_frames_are_protocol_errors() {
        assert!(matches!(
            parse_frame(&[0xc1, 0x00]),
            Err(ReadError::Protocol(_))
        ));
        assert!(matches!(
            parse_frame(&[0x89, 126, 0, 200]),
            Err(ReadError::Protocol(_))
        ));
    }
}
