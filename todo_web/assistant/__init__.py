"""The conversational assistant: plain-language task management over the same repositories
and outbox as the REST API, with its conversations kept in the Dapr state store.

`service.send(user, message, conversation_id)` is the one entry point (REST and UI);
`engine` decides what a message does, `matching` finds the task a message names,
`conversations` keeps chat:{id} and chats:{user_id} through the sidecar.
"""
