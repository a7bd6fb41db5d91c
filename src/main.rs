//! `whmcs-chartmogul` — the command-line interface of the ChartMogul connector for WHMCS.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod db;

#[derive(Parser)]
#[command(name = "whmcs-chartmogul", version, about = "Keep a ChartMogul data source in step with WHMCS")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole product on an embedded sample company (arrives with the sync engine).
    Demo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo => {
            eprintln!(
                "whmcs-chartmogul demo: the end-to-end demo arrives with the sync engine and CLI \
                 (issue 4); today the engine can seed a WHMCS database and map it."
            );
            ExitCode::from(2)
        }
    }
}
