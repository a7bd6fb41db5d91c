//! `whmcs-chartmogul` — the command-line interface of the ChartMogul connector for WHMCS.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use whmcs_chartmogul::{seed, sim};

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
    /// Run the whole product on an embedded sample company (arrives with the sync engine).
    Demo,
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
        Command::Demo => {
            eprintln!(
                "whmcs-chartmogul demo: the end-to-end demo arrives with the sync engine and CLI \
                 (issue 4); today the engine can seed a WHMCS database and map it."
            );
            ExitCode::from(2)
        }
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
