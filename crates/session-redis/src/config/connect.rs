//! How a [`RedisStoreBuilder`] turns its settings into connections: URL parsing with the
//! builder's credentials, a single-node or cluster backend, and TLS with custom roots and a client
//! identity (feature `tls`).

use super::*;

impl RedisStoreBuilder {
    /// Parses one URL: its connection settings (with the builder's credentials) and whether it
    /// asks for TLS.
    pub(super) fn connection_info(&self, raw: &str) -> Result<(redis::ConnectionInfo, bool)> {
        let url = url::Url::parse(raw).map_err(|_| configuration("invalid redis url"))?;
        let tls = match url.scheme() {
            "redis" | "redis+unix" | "unix" | "valkey" | "valkey+unix" => false,
            "rediss" | "valkeys" if cfg!(feature = "tls") => true,
            "rediss" | "valkeys" => {
                return Err(configuration(
                    "rediss:// needs the `tls` feature of session-redis",
                ));
            }
            _ => return Err(configuration("redis url must start with redis://")),
        };
        if tls && url.fragment() == Some("insecure") {
            return Err(configuration(
                "unverified tls (#insecure) is refused; add the server's root certificate",
            ));
        }
        let info = raw
            .into_connection_info()
            .map_err(|_| configuration("invalid redis url"))?;
        let mut settings = info.redis_settings().clone();
        if let Some(user) = &self.username {
            settings = settings.set_username(user);
        }
        if let Some(password) = &self.password {
            settings = settings.set_password(password.expose_secret());
        }
        Ok((info.set_redis_settings(settings), tls))
    }

    pub(super) fn single(&self, info: redis::ConnectionInfo, tls: bool) -> Result<Backend> {
        let client = self.client(info, tls)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.command_timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(100));
        Ok(Backend::Single {
            client,
            config,
            connection: OnceLock::new(),
        })
    }

    pub(super) fn cluster_backend(
        &self,
        nodes: Vec<redis::ConnectionInfo>,
        tls: bool,
    ) -> Result<Backend> {
        let builder = redis::cluster::ClusterClient::builder(nodes)
            .connection_timeout(self.connect_timeout)
            .response_timeout(self.command_timeout)
            // Redirections and retries after a failover, all within the command timeout.
            .retries(32)
            .min_retry_wait(10)
            .max_retry_wait(200)
            .retry_wait_formula(10, 2);
        let builder = self.cluster_tls(builder, tls)?;
        let client = builder
            .build()
            .map_err(|_| configuration("invalid redis cluster settings"))?;
        Ok(Backend::Cluster {
            client,
            connection: tokio::sync::OnceCell::new(),
        })
    }

    #[cfg(feature = "tls")]
    fn cluster_tls(
        &self,
        builder: redis::cluster::ClusterClientBuilder,
        tls: bool,
    ) -> Result<redis::cluster::ClusterClientBuilder> {
        let t = &self.tls;
        if !tls {
            if t.root_pem.is_some() || t.client_cert_pem.is_some() {
                return Err(configuration(
                    "tls certificates are set but the url is not rediss://",
                ));
            }
            return Ok(builder);
        }
        let client_tls = match (&t.client_cert_pem, &t.client_key_pem) {
            (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
                client_cert: cert.clone(),
                client_key: key.expose_secret().as_bytes().to_vec(),
            }),
            _ => None,
        };
        Ok(builder.certs(redis::TlsCertificates {
            client_tls,
            root_cert: t.root_pem.clone(),
        }))
    }

    #[cfg(not(feature = "tls"))]
    fn cluster_tls(
        &self,
        builder: redis::cluster::ClusterClientBuilder,
        _tls: bool,
    ) -> Result<redis::cluster::ClusterClientBuilder> {
        Ok(builder)
    }

    #[cfg(feature = "tls")]
    fn client(&self, info: redis::ConnectionInfo, tls: bool) -> Result<redis::Client> {
        let t = &self.tls;
        let custom = t.root_pem.is_some() || t.client_cert_pem.is_some();
        if !tls {
            if custom {
                return Err(configuration(
                    "tls certificates are set but the url is not rediss://",
                ));
            }
            return redis::Client::open(info).map_err(|_| configuration("invalid redis settings"));
        }
        if !custom {
            return redis::Client::open(info).map_err(|_| configuration("invalid redis settings"));
        }
        let has_cert = |pem: &Option<Vec<u8>>| {
            pem.as_ref().is_none_or(|p| {
                p.windows(CERT_MARK.len())
                    .any(|w| w == CERT_MARK.as_bytes())
            })
        };
        if !has_cert(&t.root_pem) || !has_cert(&t.client_cert_pem) {
            return Err(configuration("no certificate in the tls pem"));
        }
        let client_tls = match (&t.client_cert_pem, &t.client_key_pem) {
            (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
                client_cert: cert.clone(),
                client_key: key.expose_secret().as_bytes().to_vec(),
            }),
            _ => None,
        };
        redis::Client::build_with_tls(
            info,
            redis::TlsCertificates {
                client_tls,
                root_cert: t.root_pem.clone(),
            },
        )
        .map_err(|_| configuration("unusable tls certificate or key"))
    }

    #[cfg(not(feature = "tls"))]
    fn client(&self, info: redis::ConnectionInfo, _tls: bool) -> Result<redis::Client> {
        redis::Client::open(info).map_err(|_| configuration("invalid redis settings"))
    }
}
