//! How long verifying the bundled components takes (it runs at every `selftest` and at the
//! first status request of the app). Prints a table; run with `make bench`.

#![allow(clippy::print_stderr)]

use std::time::Instant;

use manifest::AssetStore;

fn main() {
    let store = match AssetStore::locate() {
        Ok(store) => store,
        Err(error) => {
            eprintln!("no asset store ({error}); run installer/setup.sh first");
            std::process::exit(1);
        }
    };
    const RUNS: usize = 5;
    println!("{:<16} {:>12} {:>12} {:>10}", "asset", "bytes", "median ms", "MB/s");
    for asset in &store.manifest().assets {
        let mut times: Vec<f64> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                if let Err(error) = store.verify(&asset.name) {
                    eprintln!("{}: {error}", asset.name);
                    std::process::exit(1);
                }
                start.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let median = times[RUNS / 2];
        println!(
            "{:<16} {:>12} {:>12.1} {:>10.0}",
            asset.name,
            asset.size,
            median * 1e3,
            asset.size as f64 / median / 1e6
        );
    }
}
