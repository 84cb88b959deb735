//! The queues and bindings, declared as oslo.messaging's rabbit driver
//! declares a notification listener's: for every topic and priority a queue
//! `<topic>.<priority>`, bound with that routing key to each control exchange
//! (a topic exchange). Durability follows `amqp_durable_queues`
//! (`durable_queues`, default false), auto-delete is off and there are no
//! queue arguments, so declaring is idempotent beside the services' notifiers,
//! which declare the same queue when they first publish.

use nepho_policy::NotificationConfig;

/// One queue the agent consumes, with the exchanges it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueTarget {
    /// The queue and routing key, `<topic>.<priority>`.
    pub queue: String,
    /// Its topic.
    pub topic: String,
    /// Its priority.
    pub priority: String,
}

/// Every queue of `config`, topic by topic.
pub fn queues(config: &NotificationConfig) -> Vec<QueueTarget> {
    config
        .topics
        .iter()
        .flat_map(|topic| {
            config.priorities.iter().map(move |priority| QueueTarget {
                queue: format!("{topic}.{priority}"),
                topic: topic.clone(),
                priority: priority.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_queue_per_topic_and_priority() {
        let config = NotificationConfig {
            topics: vec!["notifications".into(), "glance_notifications".into()],
            priorities: vec!["info".into(), "error".into()],
            ..NotificationConfig::default()
        };
        let names: Vec<String> = queues(&config).into_iter().map(|q| q.queue).collect();
        assert_eq!(
            names,
            [
                "notifications.info",
                "notifications.error",
                "glance_notifications.info",
                "glance_notifications.error"
            ]
        );
    }
}
