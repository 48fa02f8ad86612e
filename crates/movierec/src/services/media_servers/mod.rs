//! The media servers people already run: what Jellyfin, Plex and Emby report by webhook
//! becomes the user's seen marks and ratings ([`hooks`]).

pub(crate) mod hooks;
