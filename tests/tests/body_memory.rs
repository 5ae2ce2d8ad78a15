//! Memory held for a request body is bounded by its bytes, whatever their framing: bodies sent
//! one byte per write over real TCP connections (each a frame of its own to the server) cost the
//! process about what their bytes are, where keeping each frame as it came cost about 1 KiB per
//! byte. Measured with a counting allocator, so this test is a binary of its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use matrix_client_server_api::operations::post_3pids;
use matrix_client_server_api::server::{router_with_config, Api};
use matrix_client_server_api::{serve, AccessToken, MatrixError, RequestContext, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Ordering::SeqCst) + by;
    PEAK.fetch_max(live, Ordering::SeqCst);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if !moved.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
            grew(new_size);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Accepting;

impl Api for Accepting {
    type Identity = ();

    async fn authenticate(&self, _: AccessToken, _: &RequestContext) -> Result<(), MatrixError> {
        Ok(())
    }

    async fn post_3pids(
        &self,
        _: (),
        _: RequestContext,
        _: post_3pids::Request,
    ) -> Result<post_3pids::Response, MatrixError> {
        Ok(post_3pids::Response::default())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_in_one_byte_writes_cost_about_their_bytes() {
    const CONNECTIONS: usize = 8;
    const BYTES: usize = 50_000;
    let config = ServerConfig::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router_with_config(Arc::new(Accepting), config.clone());
    tokio::spawn(async move { serve(listener, app, &config, std::future::pending()).await });

    let head = br#"{"three_pid_creds":{"client_secret":"s","id_server":"i","sid":"s"},"padding":""#;
    let mut body = head.to_vec();
    body.resize(BYTES - 2, b'a');
    body.extend_from_slice(b"\"}");
    let body = Arc::new(body);
    // what is live before the bodies are sent
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let base = LIVE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);

    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let body = body.clone();
            tokio::spawn(async move {
                let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let head = format!(
                    "POST /_matrix/client/r0/account/3pid HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).await.unwrap();
                for byte in body.iter() {
                    stream.write_all(std::slice::from_ref(byte)).await.unwrap();
                }
                let mut answer = vec![0u8; 1024];
                let n = stream.read(&mut answer).await.unwrap();
                String::from_utf8_lossy(&answer[..n]).into_owned()
            })
        })
        .collect();
    for client in clients {
        let answer = client.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    let held = PEAK.load(Ordering::SeqCst).saturating_sub(base);
    let received = CONNECTIONS * BYTES;
    // the bytes once as received, once decoded, and the growth of each body's buffer; a frame
    // kept as it came would be hundreds of bytes a byte
    assert!(
        held < 8 * received,
        "{held} bytes held at the peak for {received} bytes received in one-byte writes"
    );
    eprintln!("{held} bytes held at the peak for {received} bytes received in one-byte writes");
}
