//! `whmcs-chartmogul` — the command-line interface of the ChartMogul connector for WHMCS.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use whmcs_chartmogul::{cli, seed, sim};

#[derive(Parser)]
#[command(
    name = "whmcs-chartmogul",
    version,
    about = "Keep a ChartMogul data source in step with WHMCS"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole product on a sample company: generated WHMCS data, a local ChartMogul
    /// simulator, a full and an incremental sync, WHMCS MRR against ChartMogul MRR
    Demo(cli::demo::DemoArgs),
    /// Send what changed in WHMCS to ChartMogul (the first run sends everything)
    Sync(cli::sync::SyncArgs),
    /// Show the last runs, the current run, what was sent, waiting events and log counts
    Status(cli::status::StatusArgs),
    /// Show the sync log, newest first
    Logs(cli::logs::LogsArgs),
    /// Compare WHMCS MRR with ChartMogul MRR per customer and currency, explaining differences
    Reconcile(cli::reconcile::ReconcileArgs),
    /// Generate a realistic WHMCS database of a hosting company (three years of history).
    Seed(seed::SeedArgs),
    /// Serve a local ChartMogul API simulator (strict validation, MRR, fault injection).
    Sim(sim::SimArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Sim(args) => match sim::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!(
                    "whmcs-chartmogul sim: cannot listen on {}: {e}",
                    args.listen
                );
                ExitCode::from(1)
            }
        },
        Command::Demo(args) => ExitCode::from(cli::demo::run(&args)),
        Command::Sync(args) => ExitCode::from(cli::sync::run(&args)),
        Command::Status(args) => ExitCode::from(cli::status::run(&args)),
        Command::Logs(args) => ExitCode::from(cli::logs::run(&args)),
        Command::Reconcile(args) => ExitCode::from(cli::reconcile::run(&args)),
        Command::Seed(args) => match seed::run(&args) {
            Ok(summary) => {
                println!("{summary}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("whmcs-chartmogul seed: {e}");
                match e {
                    seed::SeedError::Usage(_) => ExitCode::from(2),
                    seed::SeedError::Failed(_) => ExitCode::from(1),
                }
            }
        },
    }
}
