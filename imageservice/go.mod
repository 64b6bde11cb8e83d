module github.com/goblog/imageservice

go 1.26.8
