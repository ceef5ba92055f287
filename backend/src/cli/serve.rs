//! `ecs-secrets serve`: start the local UI server and print the URL (with
//! this launch's one-time launch code, never the token) to open.

use std::io::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::aws::AwsOptions;
use crate::server::browser::LaunchPage;
use crate::server::listener::{self, DEFAULT_PORT};
use crate::server::live::Live;
use crate::server::offline::Offline;
use crate::server::session::LaunchCode;
use crate::server::{AccessToken, AppState, Deployer, Guard, Ui, app};

#[derive(Debug, Clone, clap::Args)]
#[command(mut_arg("region", |region| region.help("AWS region (default: from the AWS configuration)")))]
pub struct ServeArgs {
    /// Port to listen on. Default: 4780, or a free port when 4780 is taken;
    /// 0 lets the system pick one.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Address to listen on. Anything but a loopback address lets other
    /// machines reach a server that acts with your AWS credentials, so it
    /// also needs --allow-remote.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Confirm that listening on a non-loopback --host is intended.
    #[arg(long)]
    pub allow_remote: bool,

    /// Open the UI in the default browser.
    #[arg(long)]
    pub open: bool,

    /// For UI development: serve the frontend from this directory (trunk's
    /// output) instead of the one built into the binary. Prints a warning:
    /// the page served there receives this session's token.
    #[arg(long, value_name = "DIR")]
    pub dist: Option<PathBuf>,

    #[command(flatten)]
    pub aws: AwsOptions,

    /// Never talk to AWS: the UI works, Apply and the account lookup say why
    /// they are unavailable.
    #[arg(long, conflicts_with_all = ["endpoint_url", "region", "profile"])]
    pub offline: bool,
}

/// Exit code for flags that are refused (clap's own usage errors use 2 too).
const USAGE: u8 = 2;

/// Runs the server with AWS access through the default credential chain
/// (or `--profile`, `--region`, `--endpoint-url`). Without credentials the
/// UI still works; AWS requests then answer `no_credentials`.
pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if args.offline {
        let deployer = Offline::new("this server was started with --offline: it never talks to AWS");
        return run_with(args, deployer).await;
    }
    let options = args.aws.clone();
    run_with(args, Live::new(options)).await
}

/// Runs the server with `deployer` until Ctrl-C.
pub async fn run_with<D: Deployer>(mut args: ServeArgs, deployer: D) -> anyhow::Result<ExitCode> {
    // `::ffff:0.0.0.0` is 0.0.0.0 and `::ffff:127.0.0.1` is 127.0.0.1: judge
    // (and bind) the address the socket really gets.
    args.host = args.host.to_canonical();
    if let Err(message) = check_host(&args) {
        eprintln!("error: {message}");
        return Ok(ExitCode::from(USAGE));
    }
    let bound = listener::bind(args.host, args.port).await.with_context(|| match args.port {
        Some(port) => format!("cannot listen on {}:{port} (use another --port, or 0 for any free port)", args.host),
        None => format!("cannot listen on {}", args.host),
    })?;
    if bound.fell_back {
        eprintln!("note: port {DEFAULT_PORT} is in use; listening on port {} instead", bound.address.port());
    }
    if !args.host.is_loopback() {
        eprintln!(
            "WARNING: listening on {} — anyone who can reach this address and learns the token can act with your \
             AWS credentials. Use this only on a network you trust.",
            bound.address
        );
    }
    let ui = match &args.dist {
        Some(dist) => {
            eprintln!(
                "WARNING: --dist: serving the UI from {} instead of the one built into this binary; the page \
                 served from there receives this session's access token, so use it only for your own UI build",
                dist.display()
            );
            if !dist.join("index.html").is_file() {
                eprintln!("note: no index.html in {}; the page will explain how to build the UI", dist.display());
            }
            Ui::Directory(dist.clone())
        }
        None => {
            if !Ui::Embedded.is_built() {
                eprintln!(
                    "note: this binary was built without the UI (frontend/dist was missing); the page explains \
                     how to build it (`cargo xtask run`)"
                );
            }
            Ui::Embedded
        }
    };

    let token = AccessToken::generate().context("the operating system's random generator failed")?;
    let code = LaunchCode::generate().context("the operating system's random generator failed")?;
    let guard = Guard::new(token, bound.address).with_launch_code(code);
    let url = guard.launch_url();
    let router = app(AppState::new(deployer, guard, ui));

    // Written without println!: a closed stdout (`serve | head -3`) must not
    // panic a running server.
    let _stdout_closed = writeln!(
        std::io::stdout(),
        "ecs-secrets is running. Open this URL (its code works once, to connect one browser tab):\n\n    \
         {url}\n\nPress Ctrl-C to stop."
    );
    let _launch_page = if args.open { open_browser(&url) } else { None };

    listener::run(bound.listener, router, listener::shutdown_signal()).await.context("the server stopped")?;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// A non-loopback address needs --allow-remote, and a wildcard address is
/// refused: the Host check needs to know the one name clients use.
fn check_host(args: &ServeArgs) -> Result<(), String> {
    if args.host.is_unspecified() {
        return Err(format!(
            "--host {} would listen on every interface; give the one address to listen on \
             (e.g. --host 192.168.1.20 --allow-remote)",
            args.host
        ));
    }
    if !args.host.is_loopback() && !args.allow_remote {
        return Err(format!(
            "--host {} lets other machines reach a server that acts with your AWS credentials; \
             add --allow-remote if that is what you want",
            args.host
        ));
    }
    Ok(())
}

/// Opens the UI through a private redirect page; on failure the printed URL
/// is all the user needs.
fn open_browser(url: &str) -> Option<LaunchPage> {
    let page = match LaunchPage::write(url) {
        Ok(page) => page,
        Err(error) => {
            eprintln!("note: could not prepare the browser launch ({error}); open the URL above");
            return None;
        }
    };
    if let Err(error) = page.open() {
        eprintln!("note: could not open a browser ({error}); open the URL above");
    }
    Some(page)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> ServeArgs {
        Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied())).unwrap().serve
    }

    #[test]
    fn remote_hosts_need_the_explicit_flag() {
        assert_eq!(check_host(&parse(&[])), Ok(()));
        assert_eq!(check_host(&parse(&["--host", "::1"])), Ok(()));
        assert!(check_host(&parse(&["--host", "192.168.1.20"])).unwrap_err().contains("--allow-remote"));
        assert_eq!(check_host(&parse(&["--host", "192.168.1.20", "--allow-remote"])), Ok(()));
        assert!(check_host(&parse(&["--host", "0.0.0.0", "--allow-remote"])).unwrap_err().contains("every interface"));
    }

    #[tokio::test]
    async fn a_mapped_wildcard_is_refused_like_the_wildcard() {
        // Regression: `::ffff:0.0.0.0` is not "unspecified" as an IPv6
        // address, yet the socket listens on every IPv4 interface.
        for host in ["::ffff:0.0.0.0", "::"] {
            let args = parse(&["--host", host, "--allow-remote", "--port", "0"]);
            let code = run_with(args, Offline::new("test")).await.unwrap();
            assert_eq!(code, ExitCode::from(USAGE), "--host {host}");
        }
        let mut mapped_loopback = parse(&["--host", "::ffff:127.0.0.1"]);
        mapped_loopback.host = mapped_loopback.host.to_canonical();
        assert_eq!(mapped_loopback.host, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(check_host(&mapped_loopback), Ok(()));
    }

    #[test]
    fn flags_parse_as_documented() {
        let args = parse(&["--port", "0", "--open", "--dist", "d", "--endpoint-url", "http://localhost:5000"]);
        assert_eq!(args.port, Some(0));
        assert!(args.open);
        assert_eq!(args.dist, Some(PathBuf::from("d")));
        assert_eq!(parse(&[]).dist, None);
        assert_eq!(args.aws.endpoint_url.as_deref(), Some("http://localhost:5000"));
        assert_eq!(args.host, "127.0.0.1".parse::<IpAddr>().unwrap());
    }
}
