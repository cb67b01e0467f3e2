//! What each role may reach: viewers read, editors also edit, admins also manage accounts.

use tracebook_store::accounts::Role;

use crate::support::{Db, TestServer, on_both_databases};

on_both_databases!(each_role_reaches_only_its_routes);

async fn each_role_reaches_only_its_routes(db: Db) {
    let server = TestServer::start(db).await;
    for (name, role) in [
        ("vic", Role::Viewer),
        ("eve", Role::Editor),
        ("ada", Role::Admin),
    ] {
        server.add_user(name, role).await;
    }
    for (name, can_edit, can_admin) in [
        ("vic", false, false),
        ("eve", true, false),
        ("ada", true, true),
    ] {
        let (client, csrf) = server.signed_in(name).await;
        let status = |response: reqwest::Response| response.status().as_u16();
        let page = client.get(server.url("/index.html")).send().await.unwrap();
        assert_eq!(status(page), 200, "{name} reads the site");
        let list = client.get(server.url("/api/items")).send().await.unwrap();
        assert_eq!(status(list), 200, "{name} reads the API");
        let item = client
            .get(server.url("/api/items/STK-002"))
            .send()
            .await
            .unwrap();
        assert_eq!(item.status(), 200, "{name} reads an item");
        let etag = item.headers()["etag"].to_str().unwrap().to_owned();
        let put = client
            .put(server.url("/api/items/STK-002"))
            .header("x-csrf-token", &csrf)
            .header("if-match", &etag)
            .json(&serde_json::json!({ "title": format!("Need 2 by {name}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(status(put), if can_edit { 200 } else { 403 }, "{name} PUT");
        let form = client
            .get(server.url("/items/STK-003/edit"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            status(form),
            if can_edit { 200 } else { 403 },
            "{name} edit form"
        );
        let users = client.get(server.url("/api/users")).send().await.unwrap();
        assert_eq!(
            status(users),
            if can_admin { 200 } else { 403 },
            "{name} users"
        );
    }
}
