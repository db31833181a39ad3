//! Default `reqwest` beside session-betfair: one rustls provider in the graph, the user's
//! `reqwest::Client::new()` and the library both work.

#[path = "../../scenario.rs"]
mod scenario;

#[tokio::test]
async fn the_users_client_and_the_library_both_work() {
    let client = reqwest::Client::new();
    scenario::own_client_request(&client).await;
    scenario::betfair_against_the_simulator().await;
}
