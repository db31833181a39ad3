//! `reqwest` without its default TLS beside session-betfair: the library's `rustls` feature
//! must not leave the user's `reqwest::Client::builder().build()` without a crypto provider.

#[path = "../../scenario.rs"]
mod scenario;

#[tokio::test]
async fn the_users_client_builds_without_a_provider_of_its_own() {
    let client = reqwest::Client::builder()
        .build()
        .expect("the user's client builds");
    scenario::own_client_request(&client).await;
    scenario::betfair_against_the_simulator().await;
}
