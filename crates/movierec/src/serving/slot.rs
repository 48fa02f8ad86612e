//! The model that answers requests, swapped atomically when a training finishes.
//!
//! Readers take an `Arc` and keep using it for the whole request, so a swap never tears a
//! request in two and a failed or killed training simply never reaches [`ModelSlot::replace`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use movierec_engine::ItemIdx;

use super::ids::Model;
use crate::domain::{MovieId, Stars};

/// Our stars as the engine's rating scale: what a model trained on our ratings predicts in.
pub const STAR_SCALE: movierec_engine::Scale = movierec_engine::Scale {
    min: Stars::MIN.value() as f32,
    max: Stars::MAX.value() as f32,
};

/// A trained model with the version it was stored as. Its users are accounts and its items
/// movies, by their typed ids (see [`Model`]).
#[derive(Debug)]
pub struct ServingModel {
    /// `models.id` of the stored model.
    pub version: i64,
    pub model: Model,
}

impl ServingModel {
    pub fn new(version: i64, model: Model) -> Self {
        Self { version, model }
    }

    /// With content features (e.g. `genre:Animation`, `director:…`, `decade:1990`) by movie
    /// id; a movie without any has no content neighbours.
    pub fn with_content(mut self, features: &HashMap<MovieId, Vec<String>>) -> Self {
        let catalog: Vec<(MovieId, Vec<&str>)> = self
            .model
            .items()
            .ids()
            .iter()
            .filter_map(|id| Some((*id, features.get(id)?.iter().map(String::as_str).collect())))
            .collect();
        self.model = self.model.with_content(&catalog);
        self
    }

    /// The engine's item index of a movie, if the model has seen it.
    pub fn item(&self, movie: MovieId) -> Option<ItemIdx> {
        self.model.items().get(&movie)
    }

    /// The movie of an engine item index.
    pub fn movie_id(&self, item: ItemIdx) -> MovieId {
        *self.model.items().ext(item)
    }
}

/// Holds the current model, if any has been trained yet, and hands out turns to compute with
/// it (see [`ModelSlot::turn`]).
#[derive(Debug)]
pub struct ModelSlot {
    current: RwLock<Option<Arc<ServingModel>>>,
    /// One permit per computation with the model allowed at once.
    turns: Arc<Semaphore>,
}

impl Default for ModelSlot {
    fn default() -> Self {
        // All cores but one, as the trainer takes them: a core stays free for the async
        // workers, so however many heavy users ask at once, other requests are answered.
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            current: RwLock::default(),
            turns: Arc::new(Semaphore::new(cores.saturating_sub(1).max(1))),
        }
    }
}

/// A turn to compute with the model, from [`ModelSlot::turn`].
#[derive(Debug)]
pub struct ModelTurn(OwnedSemaphorePermit);

impl ModelTurn {
    /// Runs `work` on the blocking pool and returns its result. The turn is held until `work`
    /// ends, even when the caller stops waiting (a client gone): an abandoned computation
    /// still counts against the limit until it finishes.
    pub async fn run<T: Send + 'static>(self, work: impl FnOnce() -> T + Send + 'static) -> T {
        let permit = self.0;
        let done = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await;
        match done {
            Ok(out) => out,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Blocking tasks are only cancelled by the runtime shutting down.
            Err(e) => panic!("model computation cancelled: {e}"),
        }
    }
}

impl ModelSlot {
    /// Waits for a turn to compute with the model (fold-in, ranking, explanations, similar
    /// movies): that work takes from milliseconds to, for someone with tens of thousands of
    /// ratings, a good part of a second of CPU, so it runs off the async workers and only a
    /// few at a time, whoever asks.
    pub async fn turn(&self) -> ModelTurn {
        let permit = Arc::clone(&self.turns)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        ModelTurn(permit)
    }

    pub fn current(&self) -> Option<Arc<ServingModel>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn replace(&self, model: ServingModel) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(model));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    fn tiny_model() -> Model {
        let movie = |id| MovieId::new(id).unwrap();
        let records = [
            (UserId::new(1), movie(10), 4.0),
            (UserId::new(1), movie(20), 2.0),
            (UserId::new(2), movie(10), 5.0),
            (UserId::new(2), movie(30), 3.0),
        ];
        let data = movierec_engine::Dataset::from_typed_records(records, STAR_SCALE);
        let params = movierec_engine::Params::default().with_epochs(2);
        movierec_engine::fit(&data, &params).unwrap()
    }

    #[test]
    fn maps_movie_ids_both_ways() {
        let serving = ServingModel::new(7, tiny_model());
        for movie in [10, 20, 30].map(|id| MovieId::new(id).unwrap()) {
            let item = serving.item(movie).expect("movie in the model");
            assert_eq!(serving.movie_id(item), movie);
        }
        assert_eq!(serving.item(MovieId::new(99).unwrap()), None);
    }

    /// What keeps other requests answered while heavy users' picks are computed, checked by
    /// counts and order rather than the clock: computations run on the blocking pool, no
    /// more at once than there are turns, and those waiting for a turn hold no async worker.
    /// Two workers, as on a small server.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn computations_past_the_turns_wait_without_holding_the_async_workers() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Condvar, Mutex};

        let slot = Arc::new(ModelSlot::default());
        let turns = slot.turns.available_permits();
        let running = Arc::new(AtomicUsize::new(0));
        // Shut until the checks below are done: every computation in a turn blocks on it.
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let computations: Vec<_> = (0..turns + 2)
            .map(|n| {
                let (slot, running, gate) = (slot.clone(), running.clone(), gate.clone());
                tokio::spawn(async move {
                    let turn = slot.turn().await;
                    turn.run(move || {
                        running.fetch_add(1, Ordering::SeqCst);
                        let (open, opened) = &*gate;
                        let mut open = open.lock().unwrap();
                        while !*open {
                            open = opened.wait(open).unwrap();
                        }
                        n
                    })
                    .await
                })
            })
            .collect();
        while running.load(Ordering::SeqCst) < turns {
            tokio::task::yield_now().await;
        }
        // Every turn is taken by a computation that cannot end, two more wait for one, and
        // the async workers still run other work: a request's handler would be answered.
        for _ in 0..10 {
            assert_eq!(
                tokio::spawn(async { "answered" }).await.unwrap(),
                "answered"
            );
            tokio::task::yield_now().await;
        }
        assert_eq!(
            running.load(Ordering::SeqCst),
            turns,
            "no more than the turns at once"
        );
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        let mut done = Vec::new();
        for computation in computations {
            done.push(computation.await.unwrap());
        }
        assert_eq!(done, (0..turns + 2).collect::<Vec<_>>());
        assert_eq!(running.load(Ordering::SeqCst), turns + 2);
    }

    #[test]
    fn replace_swaps_what_readers_get_without_touching_held_models() {
        let slot = ModelSlot::default();
        assert!(slot.current().is_none());
        slot.replace(ServingModel::new(1, tiny_model()));
        let held = slot.current().unwrap();
        slot.replace(ServingModel::new(2, tiny_model()));
        assert_eq!(held.version, 1);
        assert_eq!(slot.current().unwrap().version, 2);
    }
}
