"""The Dapr gRPC app: three subscriptions with their dead-letter topics, and the
`reminder-*` job triggers, all answered through the Dispatcher."""

from concurrent import futures

from dapr.ext.grpc import App

from todo_core.events import RECURRING_TASK, REMINDERS, TASK_EVENTS, dead_letter_topic
from worker.dispatch import Dispatcher, JobHandler, TopicHandler
from worker.jobs import REMINDER_JOB_PREFIX, route_job_prefix

# Up to 3 partitions × 3 topics are delivered at once, plus job triggers (many reminders
# may fall due in the same second): more threads than the SDK's default 10. They only
# wait on the event loop, so they are cheap.
GRPC_THREADS = 32


def build_app(
    dispatcher: Dispatcher,
    pubsub_name: str,
    topics: dict[str, TopicHandler],
    reminder_job: JobHandler,
) -> App:
    app = App(thread_pool=futures.ThreadPoolExecutor(max_workers=GRPC_THREADS))
    for topic, handler in topics.items():
        app.subscribe(pubsub_name, topic, dead_letter_topic=dead_letter_topic(topic))(
            dispatcher.topic_handler(topic, handler)
        )
    route_job_prefix(app, REMINDER_JOB_PREFIX, dispatcher.job_handler(reminder_job))
    return app


TOPICS = (TASK_EVENTS, REMINDERS, RECURRING_TASK)
