//! [`AccountsClient`]'s call path (one request and its answer; a rejection and the single retry
//! are session-core's [`call_with_session`]) and its vendor operations, one method each.

use super::*;

impl fmt::Debug for AccountsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountsClient")
            .field("api_url", &self.inner.api.as_str())
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

/// The operations return futures that declare `Send` instead of leaving it to be inferred, so
/// they can be awaited inside any `Send` future for every kind of session source, a type-erased
/// manager (`SessionManager<Arc<dyn SessionProvider<Session = BetfairSession>>>`) included.
#[expect(
    clippy::manual_async_fn,
    reason = "the futures declare `Send` so callers need not infer it"
)]
impl AccountsClient {
    /// A builder for the global API host and JSON-RPC.
    pub fn builder() -> AccountsBuilder {
        AccountsBuilder {
            api_url: None,
            jurisdiction: Jurisdiction::Global,
            transport: AccountsTransport::JsonRpc,
            http: HttpOptions::default(),
        }
    }

    /// The API base URL.
    pub fn api_url(&self) -> &Url {
        &self.inner.api
    }

    /// The transport.
    pub fn transport(&self) -> AccountsTransport {
        self.inner.transport
    }

    /// One operation with a session from `source`, recovering once from a rejection. The future
    /// declares `Send`, so the public methods' futures are `Send` for every source, a
    /// type-erased manager's included (inferred, rustc cannot show it there).
    fn call<'a, T, P, S>(
        &'a self,
        source: &'a S,
        op: wire::Op,
        params: &'a P,
    ) -> impl Future<Output = Result<T>> + Send + 'a
    where
        T: DeserializeOwned + Send + 'a,
        P: Serialize + Sync,
        S: SessionSource + ?Sized,
        S::Session: AccountsAuth,
    {
        let span = tracing::info_span!("betfair.accounts", provider = NAME, operation = op.name);
        call_with_session(source, Resend::when(op.idempotent), move |sourced| {
            self.attempt(op, params, sourced)
        })
        .instrument(span)
    }

    /// One request with `sourced`'s session; Betfair's `INVALID_SESSION_INFORMATION` /
    /// `NO_SESSION` answers are the session's rejection.
    async fn attempt<T, P, A>(
        &self,
        op: wire::Op,
        params: &P,
        sourced: Sourced<A>,
    ) -> Result<Attempt<T>>
    where
        T: DeserializeOwned,
        P: Serialize + Sync,
        A: AccountsAuth,
    {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let request = wire::accounts_request(
            &self.inner.api,
            self.inner.transport,
            op,
            params,
            id,
            sourced.session(),
        )?;
        let response = self.inner.http.send(request).await?;
        match wire::parse_answer::<T>(self.inner.transport, &response) {
            Err(e) if wire::is_rejection_error(&e) => Ok(Attempt::Rejected(e)),
            other => other.map(Attempt::Done),
        }
    }

    /// `getApplicationSubscriptionToken`: the vendor creates a subscription token (form
    /// `ABCD-EFGH-IJKL`) to give to a customer. Vendor session and vendor app key. Betfair allows
    /// at most 15,000 unactivated tokens; beyond that it answers `TOO_MANY_REQUESTS`
    /// ([`ErrorKind::RateLimited`]) until some are activated or cancelled.
    pub fn get_application_subscription_token<'a>(
        &'a self,
        vendor: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        request: &'a SubscriptionTokenRequest,
    ) -> impl Future<Output = Result<SubscriptionToken>> + Send + 'a {
        async move {
            let params = wire::SubscriptionTokenParams {
                subscription_length: request.days(),
                client_reference: request.reference(),
            };
            self.call(vendor, wire::GET_APPLICATION_SUBSCRIPTION_TOKEN, &params)
                .await
        }
    }

    /// `activateApplicationSubscription`: the customer activates a subscription token with their
    /// own session (`X-Authentication` only; no `X-Application`). Works with a `PENDING_AUTH`
    /// session. Activation can take up to two minutes to show everywhere; it also creates the
    /// customer's vendor client id if there was none.
    pub fn activate_application_subscription<'a>(
        &'a self,
        customer: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        token: &'a SubscriptionToken,
    ) -> impl Future<Output = Result<AccountsStatus>> + Send + 'a {
        async move {
            let params = wire::TokenParams {
                subscription_token: token.expose_secret(),
            };
            self.call(customer, wire::ACTIVATE_APPLICATION_SUBSCRIPTION, &params)
                .await
        }
    }

    /// `cancelApplicationSubscription`: the vendor cancels a subscription token.
    pub fn cancel_application_subscription<'a>(
        &'a self,
        vendor: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        token: &'a SubscriptionToken,
    ) -> impl Future<Output = Result<AccountsStatus>> + Send + 'a {
        async move {
            let params = wire::TokenParams {
                subscription_token: token.expose_secret(),
            };
            self.call(vendor, wire::CANCEL_APPLICATION_SUBSCRIPTION, &params)
                .await
        }
    }

    /// `updateApplicationSubscription`: the vendor gives the customer behind `vendor_client_id`
    /// a new subscription of `length_days`; the new token needs no activation and the customer's
    /// earlier tokens are cancelled.
    pub fn update_application_subscription<'a>(
        &'a self,
        vendor: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        vendor_client_id: &'a str,
        length_days: u32,
    ) -> impl Future<Output = Result<SubscriptionToken>> + Send + 'a {
        async move {
            let params = wire::UpdateParams {
                vendor_client_id,
                subscription_length: length_days,
            };
            self.call(vendor, wire::UPDATE_APPLICATION_SUBSCRIPTION, &params)
                .await
        }
    }

    /// `listApplicationSubscriptionTokens`: the vendor's tokens, optionally only those with
    /// `status` (activated ones carry the customer's vendor client id).
    pub fn list_application_subscription_tokens<'a>(
        &'a self,
        vendor: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        status: Option<&'a SubscriptionStatus>,
    ) -> impl Future<Output = Result<Vec<ApplicationSubscription>>> + Send + 'a {
        async move {
            let params = wire::ListTokensParams {
                subscription_status: status.map(SubscriptionStatus::as_str),
            };
            self.call(vendor, wire::LIST_APPLICATION_SUBSCRIPTION_TOKENS, &params)
                .await
        }
    }

    /// `listAccountSubscriptionTokens`: the customer's subscriptions, per application.
    pub fn list_account_subscription_tokens<'a>(
        &'a self,
        customer: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
    ) -> impl Future<Output = Result<Vec<AccountSubscription>>> + Send + 'a {
        async move {
            self.call(
                customer,
                wire::LIST_ACCOUNT_SUBSCRIPTION_TOKENS,
                &wire::NoParams {},
            )
            .await
        }
    }

    /// `getApplicationSubscriptionHistory`: a customer's subscriptions to the vendor's app. An
    /// empty list means the customer never subscribed.
    ///
    /// - [`SubscriptionHistoryQuery::Vendor`] (server side): the vendor's session and app key,
    ///   `vendorClientId` in the body.
    /// - [`SubscriptionHistoryQuery::Customer`] (client side): the customer's session in
    ///   `X-Authentication`, **no** `X-Application` (its presence would make Betfair treat the
    ///   caller as the vendor), the vendor's app key as `applicationKey` in the body.
    pub fn get_application_subscription_history<'a>(
        &'a self,
        caller: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        query: &'a SubscriptionHistoryQuery,
    ) -> impl Future<Output = Result<Vec<SubscriptionHistory>>> + Send + 'a {
        async move {
            match query {
                SubscriptionHistoryQuery::Vendor { vendor_client_id } => {
                    let params = wire::HistoryParams {
                        vendor_client_id: Some(vendor_client_id),
                        application_key: None,
                    };
                    self.call(caller, wire::SUBSCRIPTION_HISTORY_VENDOR, &params)
                        .await
                }
                SubscriptionHistoryQuery::Customer { application_key } => {
                    self.call_customer_history(caller, application_key.as_ref())
                        .await
                }
            }
        }
    }

    /// The customer form of the history call. The app key in the body is the one given, or the
    /// caller's session's own; it is read from each session sent, so a resend with a fresh
    /// session stays consistent.
    fn call_customer_history<'a, S>(
        &'a self,
        source: &'a S,
        key: Option<&'a AppKey>,
    ) -> impl Future<Output = Result<Vec<SubscriptionHistory>>> + Send + 'a
    where
        S: SessionSource + ?Sized,
        S::Session: AccountsAuth,
    {
        let op = wire::SUBSCRIPTION_HISTORY_CUSTOMER;
        let span = tracing::info_span!("betfair.accounts", provider = NAME, operation = op.name);
        call_with_session(
            source,
            Resend::when(op.idempotent),
            move |sourced| async move {
                let key = key.map_or_else(|| sourced.session().app_key().clone(), AppKey::clone);
                let params = wire::HistoryParams {
                    vendor_client_id: None,
                    application_key: Some(key.expose_secret()),
                };
                self.attempt(op, &params, sourced).await
            },
        )
        .instrument(span)
    }

    /// `getVendorClientId`: the customer's id for the vendor whose app key the customer's
    /// session carries (created on first use). Send it to the vendor's server for
    /// [`SubscriptionHistoryQuery::Vendor`].
    pub fn get_vendor_client_id<'a>(
        &'a self,
        customer: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
    ) -> impl Future<Output = Result<String>> + Send + 'a {
        async move {
            self.call(customer, wire::GET_VENDOR_CLIENT_ID, &wire::NoParams {})
                .await
        }
    }

    /// `getVendorDetails`: a vendor's public details.
    pub fn get_vendor_details<'a>(
        &'a self,
        caller: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        vendor_id: &'a str,
    ) -> impl Future<Output = Result<VendorDetails>> + Send + 'a {
        async move {
            self.call(
                caller,
                wire::GET_VENDOR_DETAILS,
                &wire::VendorIdParams { vendor_id },
            )
            .await
        }
    }

    /// `token`: the vendor's server exchanges a web-app authorisation code, or a refresh token,
    /// for the customer's access and refresh tokens. Vendor session and vendor app key;
    /// `client` is the vendor id (`client_id`) and vendor secret (`client_secret`) from
    /// `getDeveloperAppKeys`. Never repeated: a code is single use. [`WebAppProvider`] manages
    /// the resulting session.
    pub fn token<'a>(
        &'a self,
        vendor: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        client: &'a ClientCredentials,
        grant: &'a TokenGrant,
    ) -> impl Future<Output = Result<VendorAccessToken>> + Send + 'a {
        async move {
            let grant_type = grant.grant_type();
            let params = wire::TokenRequestParams {
                client_id: &client.client_id,
                grant_type: grant_type.as_str(),
                code: match grant {
                    TokenGrant::AuthorizationCode(code) => Some(code.expose_secret()),
                    TokenGrant::RefreshToken(_) => None,
                },
                client_secret: client.client_secret.expose_secret(),
                refresh_token: match grant {
                    TokenGrant::RefreshToken(token) => Some(token.expose_secret()),
                    TokenGrant::AuthorizationCode(_) => None,
                },
            };
            self.call(vendor, wire::TOKEN, &params).await
        }
    }

    /// `isAccountSubscribedToWebApp`: whether the customer has authorised the vendor's web app.
    pub fn is_account_subscribed_to_web_app<'a>(
        &'a self,
        customer: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        vendor_id: &'a str,
    ) -> impl Future<Output = Result<bool>> + Send + 'a {
        async move {
            self.call(
                customer,
                wire::IS_ACCOUNT_SUBSCRIBED_TO_WEB_APP,
                &wire::VendorIdParams { vendor_id },
            )
            .await
        }
    }

    /// `revokeAccessToWebApp`: the customer withdraws the vendor's access; the refresh token is
    /// destroyed and access tokens stop working. Betfair types this vendor id as a number.
    pub fn revoke_access_to_web_app<'a>(
        &'a self,
        customer: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        vendor_id: i64,
    ) -> impl Future<Output = Result<AccountsStatus>> + Send + 'a {
        async move {
            self.call(
                customer,
                wire::REVOKE_ACCESS_TO_WEB_APP,
                &wire::RevokeParams { vendor_id },
            )
            .await
        }
    }

    /// `listAuthorizedWebApps`: the web apps the customer has authorised.
    pub fn list_authorized_web_apps<'a>(
        &'a self,
        customer: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
    ) -> impl Future<Output = Result<Vec<VendorDetails>>> + Send + 'a {
        async move {
            self.call(customer, wire::LIST_AUTHORIZED_WEB_APPS, &wire::NoParams {})
                .await
        }
    }

    /// `getAffiliateRelation`: whether each vendor client id is affiliated with the vendor.
    pub fn get_affiliate_relation<'a>(
        &'a self,
        vendor: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        vendor_client_ids: &'a [String],
    ) -> impl Future<Output = Result<Vec<AffiliateRelation>>> + Send + 'a {
        async move {
            self.call(
                vendor,
                wire::GET_AFFILIATE_RELATION,
                &wire::AffiliateParams { vendor_client_ids },
            )
            .await
        }
    }

    /// `getAuthorisationCode`: issues a web-app authorisation code for the customer (single use,
    /// 10 minutes), with the vendor's redirect URL.
    pub fn get_authorisation_code<'a>(
        &'a self,
        customer: &'a (impl SessionSource<Session: AccountsAuth> + ?Sized),
        vendor_id: &'a str,
    ) -> impl Future<Output = Result<AuthorisationResponse>> + Send + 'a {
        async move {
            self.call(
                customer,
                wire::GET_AUTHORISATION_CODE,
                &wire::VendorIdParams { vendor_id },
            )
            .await
        }
    }
}
