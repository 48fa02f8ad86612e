//! The media servers people already run: what Jellyfin, Plex and Emby report by webhook
//! becomes the user's seen marks and ratings ([`hooks`]); Jellyfin's and Plex's libraries
//! are read whole by a pull ([`pull`]), which also learns which films each user can watch
//! there.

pub(crate) mod hooks;
pub(crate) mod pull;
