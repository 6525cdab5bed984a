//! `rampart-local`: every route on 127.0.0.1 with the embedded adapters.
//!
//! `cargo run -p rampart-local` (add `-- --aws` for DynamoDB or an emulator). See README.md.

use rampart_local::{
    LocalSettings, build_app, ensure_admin, ensure_discord_key, local_config, serve,
};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

// Requests run on every core at once here, and the C library's allocator makes their threads
// wait on its arena locks (a quarter of the CPU of an authenticated read, profiled); mimalloc
// keeps a heap per thread. A Lambda function serves one request at a time on one thread and
// keeps the C library's allocator: mimalloc made its cold start 0.2 to 0.5 ms longer for a
// request-path gain of a few hundred nanoseconds (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    rampart_core::telemetry::init_json();
    let aws_flag = std::env::args().skip(1).any(|a| a == "--aws");
    let settings = LocalSettings::from_env(aws_flag)?;
    let mut config = local_config()?;
    ensure_discord_key(&mut config)?;
    let stack = build_app(&settings, config).await?;
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(email) = ensure_admin(
        &stack.app,
        var("RAMPART_ADMIN_EMAIL"),
        var("RAMPART_ADMIN_PASSWORD"),
    )
    .await?
    {
        println!(
            "admin account {email} created; sign in with POST /api/v1/auth/login \
             {{\"email\", \"password\"}} (the password from RAMPART_ADMIN_PASSWORD)"
        );
    }
    let listener = TcpListener::bind(("127.0.0.1", settings.port)).await?;
    let addr = listener.local_addr()?;
    println!(
        "rampart local stack ({:?} store) listening on http://{addr}",
        settings.store
    );
    let mut terminate = signal(SignalKind::terminate())?;
    let stop = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("stop signal received; finishing in-flight requests");
    };
    serve(listener, stack, stop).await?;
    println!("rampart local stack stopped");
    Ok(())
}
