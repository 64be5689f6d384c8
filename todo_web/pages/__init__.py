"""The app's pages: sign-in and sign-up for visitors, the task list for signed-in users."""
