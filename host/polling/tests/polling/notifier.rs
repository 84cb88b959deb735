//! The notifier sink against RabbitMQ.
