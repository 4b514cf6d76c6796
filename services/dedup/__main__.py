from services.dedup.cli import main

main()
